/** What every statement converter of `import` shares: the source, the statement's span, and plain-name helpers. */
import type { ImportedStep, ImportMemory, ImportPhase } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import type { SourceText } from './source-text.js';

export interface StatementContext {
  src: SourceText;
  /** Byte span of the statement in the file (without its `;`). */
  start: number;
  end: number;
  /** The statement as written. */
  text: string;
  memory: ImportMemory;
  /** What earlier statements of the same file set for the session the migration tool runs the file in. */
  session: { functionBodiesUnchecked: boolean };
}

/** The statement cannot become a safe operation; it is kept as raw SQL, and `reason` says why. */
export class NotMapped extends Error {}

/** Neither a step nor raw SQL keeps what the statement means: the import stops (exit 2) and says what to do. */
export class Refused extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** A name a plan can carry (plans quote names themselves); anything else keeps the statement raw. */
export function plainName(name: unknown): string {
  if (typeof name !== 'string' || !PLAIN_NAME.test(name))
    throw new NotMapped(`the name ${JSON.stringify(name)} has characters a plan's name fields do not take`);
  return name;
}

/** `schema.table` (or `table`) of a RangeVar. */
export function relationName(relation: unknown): string {
  const r = (relation ?? {}) as { schemaname?: string; relname?: string; catalogname?: string };
  if (r.catalogname) throw new NotMapped('a database-qualified name is not carried into a plan');
  const name = plainName(r.relname);
  return r.schemaname ? `${plainName(r.schemaname)}.${name}` : name;
}

/** The strings of a list of `{ String: { sval } }` nodes. */
export function stringList(items: unknown): string[] {
  return ((items as AstNode[] | undefined) ?? []).map((i) => plainName((i.String as { sval?: string })?.sval));
}

export function expressionOf(ctx: StatementContext, node: unknown): string {
  const text = ctx.src.expression(node, ctx.end);
  if (text === undefined) throw new NotMapped('an expression of this statement could not be read back exactly');
  return text.trim();
}

export function typeOf(ctx: StatementContext, node: unknown): string {
  const text = ctx.src.typeName(node, ctx.end);
  if (text === undefined) throw new NotMapped('a type of this statement could not be read back exactly');
  return text.trim();
}

export function step(phase: ImportPhase, kind: string, spec: Record<string, unknown>, decision: string): ImportedStep {
  return { phase, step: { [kind]: spec }, decision };
}

/** Leaves out keys whose value is undefined (YAML would print them as null). */
export function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
