/**
 * The parse tree of a T-SQL plan fragment, as schemashift's small grammar builds it. It never leaves
 * this folder: the neutral SqlParser members (tsql-fragments.ts) answer from it.
 */
import { nameOf, type Token } from './tsql-lexer.js';

/** `name`, `name(n)`, `name(n, m)`, `name(max)`, optionally `schema.name`. */
export interface TypeNode {
  /** The name as written for a user type (`dbo.phone`); empty for a system type, which `name` says. */
  parts: Token[];
  /** The system type it is, lower case and with synonyms resolved (`integer` → `int`); the name for others. */
  name: string;
  args: string[];
}

export type Node =
  | { t: 'literal'; token: Token }
  | { t: 'null' }
  | { t: 'column'; parts: Token[] }
  /** `*` or `t.*`: a select-list item and COUNT(*). */
  | { t: 'star'; parts: Token[] }
  /** The first argument of DATEADD and its kind: `day`, not a column. */
  | { t: 'datepart'; token: Token }
  | { t: 'niladic'; name: string }
  | { t: 'unary'; op: string; arg: Node }
  /** Arithmetic, comparison, AND, OR. */
  | { t: 'binary'; op: string; left: Node; right: Node }
  | { t: 'not'; arg: Node }
  | { t: 'call'; parts: Token[]; args: Node[]; distinct: boolean }
  | { t: 'cast'; fn: string; arg: Node; type: TypeNode; style?: Node }
  | { t: 'iif'; condition: Node; then: Node; otherwise: Node }
  | { t: 'case'; operand?: Node; whens: { when: Node; then: Node }[]; otherwise?: Node }
  | { t: 'collate'; arg: Node; collation: Token }
  | { t: 'isnull'; not: boolean; arg: Node }
  | { t: 'in'; not: boolean; arg: Node; list: Node[] }
  | { t: 'between'; not: boolean; arg: Node; low: Node; high: Node }
  | { t: 'like'; not: boolean; arg: Node; pattern: Node; escape?: Node }
  | { t: 'exists'; query: Node }
  /** A SELECT, read in queries only: the expressions it holds, and its text. */
  | { t: 'query'; children: Node[]; text: string }
  | { t: 'nextvalue'; parts: Token[] };

export const COMPARISONS = ['=', '<>', '!=', '<', '>', '<=', '>=', '!<', '!>'];

/** Whether the node is a condition (T-SQL has no boolean values: only predicates are). */
export function isCondition(node: Node): boolean {
  if (node.t === 'binary') return node.op === 'AND' || node.op === 'OR' || COMPARISONS.includes(node.op);
  return ['not', 'isnull', 'in', 'between', 'like', 'exists'].includes(node.t);
}

/** The nodes directly below `node`. */
export function children(node: Node): Node[] {
  switch (node.t) {
    case 'unary':
    case 'not':
    case 'isnull':
    case 'collate':
      return [node.arg];
    case 'binary':
      return [node.left, node.right];
    case 'call':
      return node.args;
    case 'cast':
      return node.style ? [node.arg, node.style] : [node.arg];
    case 'iif':
      return [node.condition, node.then, node.otherwise];
    case 'case':
      return [
        ...(node.operand ? [node.operand] : []),
        ...node.whens.flatMap((w) => [w.when, w.then]),
        ...(node.otherwise ? [node.otherwise] : []),
      ];
    case 'in':
      return [node.arg, ...node.list];
    case 'between':
      return [node.arg, node.low, node.high];
    case 'like':
      return [node.arg, node.pattern, ...(node.escape ? [node.escape] : [])];
    case 'exists':
      return [node.query];
    case 'query':
      return node.children;
    default:
      return [];
  }
}

/** Every node of the tree, `node` first. */
export function* nodesOf(node: Node): Generator<Node> {
  yield node;
  for (const child of children(node)) yield* nodesOf(child);
}

/**
 * How SQL Server compares names under its default, case-insensitive collations; brackets and quotes do
 * not change a name (`[Qty]` is `qty`).
 */
export const nameKey = (token: Token): string => nameOf(token).toLowerCase();

const name = (parts: Token[]): string => parts.map((p) => `[${nameKey(p).replaceAll(']', ']]')}]`).join('.');

export const typeText = (type: TypeNode): string =>
  `${type.parts.length > 1 ? `${name(type.parts.slice(0, -1))}.` : ''}${type.name}` +
  (type.args.length > 0 ? `(${type.args.join(',')})` : '');

function literalText(token: Token): string {
  if (token.kind === 'string') return `${token.unicode ? 'N' : ''}'${token.value.replaceAll("'", "''")}'`;
  return token.text.toLowerCase();
}

/** Niladic functions as SQL Server stores them in a definition (a default CURRENT_TIMESTAMP reads back (getdate())). */
const NILADIC_AS_STORED: Record<string, string> = {
  CURRENT_TIMESTAMP: '[getdate]()',
  CURRENT_USER: '[user_name]()',
  SESSION_USER: '[user_name]()',
  USER: '[user_name]()',
  SYSTEM_USER: '[suser_sname]()',
};

const not = (negated: boolean): string => (negated ? 'NOT ' : '');

const compare = (left: Node, op: string, right: Node): Node => ({ t: 'binary', op, left, right });

/**
 * The operands of an AND or OR chain, flattened, with IN lists and BETWEEN spelled out as SQL Server stores them
 * in a definition (`a IN (1, 2)` reads back `([a]=(2) OR [a]=(1))`, `a BETWEEN 1 AND 2` as `([a]>=(1) AND [a]<=(2))`).
 */
function operands(op: 'AND' | 'OR', node: Node): Node[] {
  if (node.t === 'binary' && node.op === op) return [...operands(op, node.left), ...operands(op, node.right)];
  if (node.t === 'between' && node.not === (op === 'OR'))
    return node.not
      ? [compare(node.arg, '<', node.low), compare(node.arg, '>', node.high)]
      : [compare(node.arg, '>=', node.low), compare(node.arg, '<=', node.high)];
  if (node.t === 'in' && node.list[0]?.t !== 'query' && node.not === (op === 'AND'))
    return node.list.map((value) => compare(node.arg, node.not ? '<>' : '=', value));
  return [node];
}

/** An AND or OR chain in a canonical order: the same conditions in another order compare equal. */
function chain(op: 'AND' | 'OR', nodes: Node[], r: (n: Node) => string): string {
  const parts = nodes.flatMap((n) => operands(op, n)).map(r);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.sort().join(` ${op} `)})`;
}

/**
 * The tree as canonical text: every operation in parentheses, keywords upper case, names bracketed in
 * lower case; constants and casts as they are. `rename` renames bare column references.
 */
export function render(node: Node, rename?: { from: string; to: string }): string {
  const r = (n: Node): string => render(n, rename);
  switch (node.t) {
    case 'literal':
      return literalText(node.token);
    case 'null':
      return 'NULL';
    case 'column': {
      const bare = node.parts.length === 1 && rename && nameKey(node.parts[0] as Token) === rename.from.toLowerCase();
      return bare ? `[${rename.to.toLowerCase().replaceAll(']', ']]')}]` : name(node.parts);
    }
    case 'star':
      return `${node.parts.length > 0 ? `${name(node.parts)}.` : ''}*`;
    case 'datepart':
      return node.token.value.toUpperCase();
    case 'niladic':
      return NILADIC_AS_STORED[node.name] ?? node.name;
    case 'unary':
      return `(${node.op}${r(node.arg)})`;
    case 'binary':
      if (node.op === 'AND' || node.op === 'OR') return chain(node.op, [node], r);
      return `(${r(node.left)} ${node.op} ${r(node.right)})`;
    case 'not':
      return `(NOT ${r(node.arg)})`;
    case 'call':
      return `${name(node.parts)}(${node.distinct ? 'DISTINCT ' : ''}${node.args.map(r).join(', ')})`;
    case 'cast':
      return node.fn.endsWith('CAST')
        ? `${node.fn}(${r(node.arg)} AS ${typeText(node.type)})`
        : `${node.fn}(${typeText(node.type)}, ${r(node.arg)}${node.style ? `, ${r(node.style)}` : ''})`;
    case 'iif':
      return `IIF(${r(node.condition)}, ${r(node.then)}, ${r(node.otherwise)})`;
    case 'case':
      return [
        `(CASE${node.operand ? ` ${r(node.operand)}` : ''}`,
        ...node.whens.map((w) => `WHEN ${r(w.when)} THEN ${r(w.then)}`),
        ...(node.otherwise ? [`ELSE ${r(node.otherwise)}`] : []),
        'END)',
      ].join(' ');
    case 'collate':
      return `(${r(node.arg)} COLLATE ${nameKey(node.collation)})`;
    case 'isnull':
      return `(${r(node.arg)} IS ${not(node.not)}NULL)`;
    case 'in':
      if (node.list[0]?.t === 'query') return `(${r(node.arg)} ${not(node.not)}IN ${r(node.list[0])})`;
      return chain(node.not ? 'AND' : 'OR', [node], r);
    case 'between':
      return chain(node.not ? 'OR' : 'AND', [node], r);
    case 'like':
      return `(${r(node.arg)} ${not(node.not)}LIKE ${r(node.pattern)}${node.escape ? ` ESCAPE ${r(node.escape)}` : ''})`;
    case 'exists':
      return `(EXISTS ${r(node.query)})`;
    case 'query':
      return `(${node.text})`;
    case 'nextvalue':
      return `(NEXT VALUE FOR ${name(node.parts)})`;
  }
}
