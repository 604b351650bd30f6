/**
 * The T-SQL side of the SqlParser members that read plan fragments. No T-SQL parser that can be
 * trusted exists for Node (DEPENDENCIES.md), so fragments are read with schemashift's own small
 * grammar (tsql-read.ts): what it does not read is refused with what was not understood and where.
 */
import type { FragmentKind, SqlParser, SqlProblem } from '../parser.js';
import { nameKey, nodesOf, render, type Node } from './tsql-ast.js';
import { unknownCallsOfTree, volatilityOfTree } from './tsql-calls.js';
import { FragmentError, SUBSET_HINT } from './tsql-cursor.js';
import { nameOf, type Token } from './tsql-lexer.js';
import { readExpression, readFragment } from './tsql-read.js';
import { bracketIdent, MAX_IDENTIFIER_LENGTH } from './names.js';

function fragmentProblem(fragment: string, kind: FragmentKind): SqlProblem | undefined {
  try {
    readFragment(fragment, kind);
    return undefined;
  } catch (error) {
    if (!(error instanceof FragmentError)) throw error;
    return {
      message: error.message,
      offset: Math.min(Math.max(0, error.offset), fragment.length),
      hint: error.hint,
      ...(error.syntax ? { syntax: true } : {}),
    };
  }
}

function nameLengthProblem(name: string): string | undefined {
  return name.length > MAX_IDENTIFIER_LENGTH
    ? `\`${name}\` is ${name.length} characters long; SQL Server names are at most ${MAX_IDENTIFIER_LENGTH} characters`
    : undefined;
}

const sameName = (token: Token | undefined, name: string): boolean =>
  token !== undefined && nameKey(token) === name.toLowerCase();

/** Bare (one-part) column references to `column`: SQL Server's default collations compare names without case. */
function bareRefs(node: Node, column: string): Token[] {
  const refs: Token[] = [];
  for (const n of nodesOf(node))
    if (n.t === 'column' && n.parts.length === 1 && sameName(n.parts[0], column)) refs.push(n.parts[0] as Token);
  return refs;
}

function renameColumnRefs(expression: string, from: string, to: string): string {
  const tree = readExpression(expression);
  if (tree === undefined) throw new Error(`internal: expression was validated but does not parse: ${expression}`);
  const replacement = bracketIdent(to);
  let renamed = expression;
  for (const token of bareRefs(tree, from).sort((a, b) => b.offset - a.offset))
    renamed = renamed.slice(0, token.offset) + replacement + renamed.slice(token.offset + token.text.length);
  const again = readExpression(renamed);
  if (again === undefined || render(again) !== render(tree, { from, to }))
    throw new Error(`internal: renaming ${from} to ${to} in \`${expression}\` changed more than its references`);
  return renamed;
}

function readsColumn(expression: string, column: string): boolean | undefined {
  let tree = readExpression(expression);
  if (tree === undefined) {
    try {
      const read = readFragment(expression, 'query');
      if (read.kind !== 'type') tree = read.node;
    } catch {
      return undefined;
    }
  }
  return tree === undefined ? undefined : bareRefs(tree, column).length > 0;
}

function bareColumn(key: string): string | undefined {
  const tree = readExpression(key);
  return tree?.t === 'column' && tree.parts.length === 1 ? nameOf(tree.parts[0] as Token) : undefined;
}

/** The columns a condition demands `IS NOT NULL` of: only where it holds whatever else does (AND, not OR). */
function notNullColumns(condition: string): string[] {
  const tree = readExpression(condition);
  const columns: string[] = [];
  const visit = (node: Node): void => {
    if (node.t === 'binary' && node.op === 'AND') [node.left, node.right].forEach(visit);
    if (node.t === 'isnull' && node.not && node.arg.t === 'column')
      columns.push(nameOf(node.arg.parts[node.arg.parts.length - 1] as Token));
  };
  if (tree) visit(tree);
  return columns;
}

function typeNameParts(type: string): string[] {
  try {
    const read = readFragment(type, 'type');
    if (read.kind !== 'type') return [];
    return read.type.parts.length === 0 ? [read.type.name] : read.type.parts.map(nameOf);
  } catch (error) {
    if (error instanceof FragmentError) return [];
    throw error;
  }
}

function comparableExpression(expression: string): string {
  const tree = readExpression(expression);
  return tree === undefined ? expression.trim() : render(tree);
}

export const tsqlFragments: Pick<
  SqlParser,
  | 'syntaxHint'
  | 'nameLengthProblem'
  | 'fragmentProblem'
  | 'volatility'
  | 'unknownCalls'
  | 'notNullColumns'
  | 'columnRef'
  | 'renameColumnRefs'
  | 'readsColumn'
  | 'bareColumn'
  | 'typeNameParts'
  | 'comparableExpression'
> = {
  syntaxHint: SUBSET_HINT,
  nameLengthProblem,
  fragmentProblem,
  volatility: (expression) => volatilityOfTree(readExpression(expression)),
  unknownCalls: (expression) => unknownCallsOfTree(readExpression(expression)),
  notNullColumns,
  columnRef: bracketIdent,
  renameColumnRefs,
  readsColumn,
  bareColumn,
  typeNameParts,
  comparableExpression,
};
