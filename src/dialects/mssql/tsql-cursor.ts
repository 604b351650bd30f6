/**
 * The reading position of schemashift's small T-SQL grammar (tsql-expression.ts, tsql-condition.ts,
 * tsql-types.ts, tsql-query.ts): tokens from tsql-lexer.ts, one at a time, and refusals that name
 * what was not understood and where.
 */
import { RESERVED_KEYWORDS } from './keywords.js';
import { isSymbol, isWord, type Token } from './tsql-lexer.js';

export const SUBSET_HINT =
  'schemashift reads a subset of T-SQL (SQL Server 2019/2022) in plan fragments: write it within that subset ' +
  'as the message says, or move it to a raw `sql` step';

/**
 * Text the grammar refuses. `syntax`: it is not T-SQL schemashift reads, as opposed to T-SQL of the wrong
 * shape. `certain`: wrong whichever way an ambiguous `(` is read (a row value, `::`), so it is the one to show.
 */
export class FragmentError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint: string = SUBSET_HINT,
    readonly syntax = true,
    readonly certain = false,
  ) {
    super(message);
  }
}

/** Words that stand for themselves in T-SQL, never for a name, unless bracketed; GO ends a batch in tools. */
export const isReserved = (t: Token): boolean =>
  t.kind === 'word' && (RESERVED_KEYWORDS.has(t.value.toLowerCase()) || t.value === 'GO');

export class Cursor {
  pos = 0;
  /** Positions where `(` was tried as a parenthesised condition and is not one (backtracking stays linear). */
  readonly notConditionAt = new Set<number>();

  constructor(
    readonly source: string,
    readonly tokens: Token[],
    /** What the fragment is, for messages: `expression`, `condition`, `type`, `query`. */
    readonly noun: string,
    /** Subqueries are read in queries only. */
    readonly subqueries: boolean,
  ) {}

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.pos + ahead];
  }

  next(): Token {
    const token = this.tokens[this.pos];
    if (token === undefined) this.fail('more');
    this.pos += 1;
    return token;
  }

  atWord(...words: string[]): boolean {
    return isWord(this.peek(), ...words);
  }

  atSymbol(...symbols: string[]): boolean {
    return isSymbol(this.peek(), ...symbols);
  }

  acceptWord(...words: string[]): Token | undefined {
    return this.atWord(...words) ? this.next() : undefined;
  }

  acceptSymbol(...symbols: string[]): Token | undefined {
    return this.atSymbol(...symbols) ? this.next() : undefined;
  }

  expectWord(word: string, context: string): Token {
    return this.acceptWord(word) ?? this.fail(`${word} ${context}`);
  }

  expectSymbol(symbol: string, context: string): Token {
    return this.acceptSymbol(symbol) ?? this.fail(`\`${symbol}\` ${context}`);
  }

  /** Offset of the next token, or the end of the text. */
  get offset(): number {
    return this.peek()?.offset ?? this.source.length;
  }

  /** The next token as messages name it. */
  describeNext(): string {
    const token = this.peek();
    return token === undefined ? `the end of the ${this.noun}` : `\`${token.text}\``;
  }

  /** Text from `start` up to the token before the current one. */
  textFrom(start: number): string {
    const last = this.tokens[this.pos - 1];
    return last === undefined ? '' : this.source.slice(start, last.offset + last.text.length);
  }

  fail(expected: string, hint?: string): never {
    throw new FragmentError(`expected ${expected}, found ${this.describeNext()}`, this.offset, hint);
  }

  /** Refuses what is wrong however the text around it is read. */
  refuse(message: string, hint?: string, at = this.offset): never {
    throw new FragmentError(message, at, hint, true, true);
  }

  /** Refuses what is wrong in this reading of the text; another reading of a `(` may still succeed. */
  doubt(message: string, hint?: string, at = this.offset): never {
    throw new FragmentError(message, at, hint);
  }
}
