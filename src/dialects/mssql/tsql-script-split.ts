/**
 * A T-SQL script split into batches (GO on a line of its own) and statements (`;` at the top level),
 * with the structural refusals SQL Server would make, or that would make our reading a guess.
 * BEGIN…END, BEGIN TRY/CATCH…END TRY/CATCH and CASE…END nest, so a `;` inside a procedure body or a
 * trigger does not end the statement. Text inside strings, [names] and comments never splits (the lexer
 * skips it), so `'a;b'`, `[GO]` and a `GO` inside a comment are content.
 */
import type { SqlProblem } from '../parser.js';
import { isSymbol, isWord, tokenize, TsqlLexError, type Token } from './tsql-lexer.js';

export interface TsqlStatement {
  /** Exactly as written, from its first token to its last, without its `;`. */
  text: string;
  offset: number;
  tokens: Token[];
  /** 0-based index of its batch (GO separates batches). */
  batch: number;
}

export class TsqlScriptProblem extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint?: string,
    /** The text does not read as T-SQL at all (unclosed, unbalanced), as opposed to a refused shape. */
    readonly syntax = false,
  ) {
    super(message);
  }
}

/** BEGIN followed by one of these is a statement, not a block. */
const BEGIN_STATEMENTS = ['TRAN', 'TRANSACTION', 'DISTRIBUTED', 'DIALOG', 'CONVERSATION'];

const GO_TAIL = /^[ \t]*(\d+)?[ \t]*(?:--.*)?\r?$/;

/** Whether the GO token stands on its own line; throws for `GO <count>`. */
function isBatchSeparator(sql: string, token: Token): boolean {
  if (!isWord(token, 'GO')) return false;
  const lineStart = sql.lastIndexOf('\n', token.offset - 1) + 1;
  if (!/^[ \t]*$/.test(sql.slice(lineStart, token.offset))) return false;
  const lineEnd = sql.indexOf('\n', token.offset);
  const tail = GO_TAIL.exec(sql.slice(token.offset + 2, lineEnd < 0 ? sql.length : lineEnd));
  if (!tail) return false;
  if (tail[1] !== undefined) {
    throw new TsqlScriptProblem(
      `GO ${tail[1]} runs its batch ${tail[1]} times; schemashift runs each statement once`,
      token.offset,
      'write the loop in T-SQL (WHILE), or use a backfill step for repeated batches',
    );
  }
  return true;
}

/** The tokens of each batch, GO lines left out. */
function batchesOf(sql: string, tokens: Token[]): Token[][] {
  const batches: Token[][] = [[]];
  for (const token of tokens) {
    if (isBatchSeparator(sql, token)) batches.push([]);
    else batches[batches.length - 1]?.push(token);
  }
  return batches;
}

/** Tracks parentheses and BEGIN/CASE…END blocks; throws on a closer without its opener. */
class Nesting {
  private parens: Token[] = [];
  private blocks: Token[] = [];

  step(tokens: Token[], i: number): void {
    const token = tokens[i] as Token;
    if (isSymbol(token, '(')) this.parens.push(token);
    else if (isSymbol(token, ')')) {
      if (!this.parens.pop()) throw new TsqlScriptProblem('`)` closes no `(`', token.offset, undefined, true);
    } else if (isWord(token, 'CASE')) this.blocks.push(token);
    else if (isWord(token, 'BEGIN') && !isWord(tokens[i + 1], ...BEGIN_STATEMENTS)) this.blocks.push(token);
    else if (isWord(token, 'END') && !isWord(tokens[i + 1], 'CONVERSATION')) {
      if (!this.blocks.pop()) throw new TsqlScriptProblem('END closes no BEGIN or CASE', token.offset, undefined, true);
    }
  }

  get atTop(): boolean {
    return this.parens.length === 0 && this.blocks.length === 0;
  }

  /** At the end of a batch: everything opened must be closed. */
  finish(): void {
    const paren = this.parens[0];
    if (paren) throw new TsqlScriptProblem('`(` is not closed', paren.offset, undefined, true);
    const block = this.blocks[this.blocks.length - 1];
    if (block) {
      throw new TsqlScriptProblem(
        `${block.value} has no END before the end of its batch`,
        block.offset,
        'close every BEGIN and CASE with END before GO or the end of the script',
        true,
      );
    }
  }
}

function statementOf(sql: string, tokens: Token[], batch: number): TsqlStatement {
  const first = tokens[0] as Token;
  const last = tokens[tokens.length - 1] as Token;
  return { text: sql.slice(first.offset, last.offset + last.text.length), offset: first.offset, tokens, batch };
}

function splitBatch(sql: string, tokens: Token[], batch: number): TsqlStatement[] {
  const statements: TsqlStatement[] = [];
  const nesting = new Nesting();
  let current: Token[] = [];
  tokens.forEach((token, i) => {
    nesting.step(tokens, i);
    if (isSymbol(token, ';') && nesting.atTop) {
      if (current.length > 0) statements.push(statementOf(sql, current, batch));
      current = [];
    } else current.push(token);
  });
  nesting.finish();
  if (current.length > 0) statements.push(statementOf(sql, current, batch));
  return statements;
}

/** The statements of a script; throws TsqlScriptProblem (or TsqlLexError) with an offset when it is refused. */
export function splitScript(sql: string): TsqlStatement[] {
  const tokens = tokenize(sql);
  const statements = batchesOf(sql, tokens).flatMap((batch, i) => splitBatch(sql, batch, i));
  if (statements.length === 0) throw new TsqlScriptProblem('there is no statement in this SQL', 0);
  return statements;
}

/** The text of each batch, GO lines left out: what a driver sends one at a time (GO is not T-SQL). */
export function splitBatches(sql: string): string[] {
  const byBatch = new Map<number, TsqlStatement[]>();
  for (const s of splitScript(sql)) byBatch.set(s.batch, [...(byBatch.get(s.batch) ?? []), s]);
  return [...byBatch.values()].map((list) => {
    const first = list[0] as TsqlStatement;
    const last = list[list.length - 1] as TsqlStatement;
    return sql.slice(first.offset, last.offset + last.text.length);
  });
}

/** A problem as an offset and message, whichever layer found it; undefined when the script is accepted. */
export function problemOf(error: unknown): SqlProblem | undefined {
  if (error instanceof TsqlScriptProblem) {
    const problem: SqlProblem = { message: error.message, offset: error.offset };
    if (error.hint) problem.hint = error.hint;
    if (error.syntax) problem.syntax = true;
    return problem;
  }
  if (error instanceof TsqlLexError) return { message: error.message, offset: error.offset, syntax: true };
  return undefined;
}
