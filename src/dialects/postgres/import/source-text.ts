/**
 * The exact text of an expression or a type as the migration wrote it. libpg-query has no deparser and its
 * nodes carry a start location only, so the end is found by re-parsing: the shortest span of whole tokens,
 * starting at the node's first location (or an opening parenthesis before it), whose parse is the same tree.
 */
import { scanSync, type ScanToken } from 'libpg-query';
import { parseSql } from '../sql/parser.js';
import { walk, type AstNode } from '../sql/ast.js';

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);
const MAX_TOKENS = 2000;

/** A node tree without its locations, for comparing two parses of the same text at different offsets. */
function shape(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => (LOCATION_KEY.test(key) ? undefined : value));
}

/** `location`, and the byte offsets some nodes add (`rexpr_list_start`, `rexpr_list_end` of `x IN (…)`). */
const LOCATION_KEY = /^location$|_start$|_end$/;

function locations(node: unknown): number[] {
  const found: number[] = [];
  const visit = (value: AstNode) => {
    for (const [key, offset] of Object.entries(value))
      if (LOCATION_KEY.test(key) && typeof offset === 'number' && offset >= 0) found.push(offset);
  };
  if (node && typeof node === 'object') visit(node as AstNode);
  walk(node, (_type, value) => visit(value));
  return found;
}

type Picker = (tree: unknown) => unknown;

const EXPRESSION: { prefix: string; pick: Picker } = {
  prefix: 'SELECT ',
  pick: (tree) => first(tree, 'SelectStmt', (s) => (s.targetList as AstNode[] | undefined)?.[0]?.ResTarget)?.val,
};
const TYPE: { prefix: string; pick: Picker } = {
  prefix: 'SELECT NULL::',
  pick: (tree) => {
    const target = first(tree, 'SelectStmt', (s) => (s.targetList as AstNode[] | undefined)?.[0]?.ResTarget);
    return ((target?.val as AstNode | undefined)?.TypeCast as AstNode | undefined)?.typeName;
  },
};

function first(tree: unknown, type: string, get: (body: AstNode) => unknown): AstNode | undefined {
  const stmts = (tree as { stmts?: { stmt?: AstNode }[] }).stmts ?? [];
  if (stmts.length !== 1) return undefined;
  const body = stmts[0]?.stmt?.[type] as AstNode | undefined;
  return body ? (get(body) as AstNode | undefined) : undefined;
}

export class SourceText {
  readonly bytes: Buffer;
  readonly tokens: ScanToken[];
  private readonly comments: ScanToken[];

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
    const all = scanSync(text).tokens;
    this.tokens = all.filter((t) => !COMMENT_TOKENS.has(t.tokenName));
    this.comments = all.filter((t) => COMMENT_TOKENS.has(t.tokenName));
  }

  /** The text of [start, end) with each comment in it replaced by a space (a plan field holds no comments). */
  withoutComments(start: number, end: number): string {
    let text = '';
    let at = start;
    for (const c of this.comments.filter((t) => t.start >= start && t.end <= end)) {
      text = `${text}${this.slice(at, c.start)}`.trimEnd() + ' ';
      at = c.end;
      while (at < end && /\s/.test(String.fromCharCode(this.bytes[at]!))) at++;
    }
    return text + this.slice(at, end);
  }

  slice(start: number, end: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }

  /** 1-based line and column of a byte offset. */
  position(byteOffset: number): { line: number; col: number } {
    const starts = this.lineStarts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= byteOffset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: this.slice(starts[low]!, byteOffset).length + 1 };
  }

  private lines: number[] | undefined;

  /** Byte offsets where each line starts. */
  private lineStarts(): number[] {
    if (this.lines) return this.lines;
    this.lines = [0];
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lines.push(i + 1);
    return this.lines;
  }

  /** Index of the first token starting at or after `byteOffset` (tokens are in order). */
  private tokenIndexAt(byteOffset: number): number {
    let low = 0;
    let high = this.tokens.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.tokens[mid]!.start < byteOffset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The tokens of the byte range [start, end). */
  tokensIn(start: number, end: number): ScanToken[] {
    const from = this.tokenIndexAt(start);
    let to = from;
    while (to < this.tokens.length && this.tokens[to]!.end <= end) to++;
    return this.tokens.slice(from, to);
  }

  /** A value expression or condition as written, within the statement ending at `limit`; undefined if not found. */
  expression(node: unknown, limit: number): string | undefined {
    return this.spanOf(node, limit, EXPRESSION);
  }

  /** A type name as written (`numeric(12, 2)`, `timestamp with time zone`). */
  typeName(node: unknown, limit: number): string | undefined {
    return this.spanOf(node, limit, TYPE);
  }

  private spanOf(node: unknown, limit: number, how: { prefix: string; pick: Picker }): string | undefined {
    const spots = locations(node);
    if (spots.length === 0) return undefined;
    const low = Math.min(...spots);
    const high = Math.max(...spots);
    const firstIndex = this.tokenIndexAt(low);
    if (this.tokens[firstIndex]?.start !== low) return undefined;
    const want = shape(node);
    for (let open = 0; open <= 3; open++) {
      const startToken = this.tokens[firstIndex - open];
      if (!startToken || (open > 0 && startToken.text !== '(')) break;
      const found = this.shortestMatch(firstIndex, startToken.start, high, limit, want, how);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private shortestMatch(
    from: number,
    start: number,
    high: number,
    limit: number,
    want: string,
    how: { prefix: string; pick: Picker },
  ): string | undefined {
    for (let i = from; i < this.tokens.length && i < from + MAX_TOKENS; i++) {
      const token = this.tokens[i]!;
      if (token.end > limit) break;
      if (token.end <= high) continue;
      const candidate = this.slice(start, token.end);
      const parsed = parseSql(how.prefix + candidate);
      if (parsed.ok && shape(how.pick(parsed.result)) === want) return this.withoutComments(start, token.end);
    }
    return undefined;
  }
}
