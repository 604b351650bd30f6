/**
 * Raw T-SQL of `sql` steps, split once per lint run and shared by the rules, so that each one can point
 * at the exact keyword inside the YAML scalar. Names are compared as SQL Server's default collations
 * compare them: case-insensitively, and with the default schema `dbo` left out.
 */
import type { SourcePos } from '../../../errors.js';
import type { SqlStep, Step } from '../../../operations/types.js';
import type { CompiledPlan } from '../../../plan/compile.js';
import type { Plan, PlanEntry } from '../../../plan/types.js';
import { isWord } from '../tsql-lexer.js';
import { tableAt } from '../tsql-script-read.js';
import { checkedStatements } from '../tsql-script.js';
import type { TsqlStatement } from '../tsql-script-split.js';

export interface MssqlSource {
  entry: PlanEntry;
  sql: string;
  statements: MssqlStatement[];
  /** Tables created by this same step (normalised): new and empty, so locking them harms nobody. */
  createdTables: Set<string>;
  at(offset: number): SourcePos;
}

export interface MssqlStatement extends TsqlStatement {
  source: MssqlSource;
  /** The compiled step that sends this statement. */
  stepId: string;
}

/** `dbo.Orders` → `orders`: the default schema left out, lower case (SQL Server's default collations ignore case). */
export function normaliseTable(name: string): string {
  const lower = name.toLowerCase();
  return lower.startsWith('dbo.') ? lower.slice('dbo.'.length) : lower;
}

/** The table is created by the same step, or is a temporary table: nothing on it can block anyone. */
export function isNewTable(stmt: MssqlStatement, table: string): boolean {
  return table.startsWith('#') || stmt.source.createdTables.has(normaliseTable(table));
}

function stepOf(steps: Step[], count: number, fallbackId: string): (i: number) => string {
  const sqlSteps = steps.filter((s): s is SqlStep => s.kind === 'sql');
  if (sqlSteps.length === count && count > 1) return (i) => sqlSteps[i]?.id ?? fallbackId;
  return () => sqlSteps[0]?.id ?? fallbackId;
}

function sourceOf(plan: Plan, entry: PlanEntry, up: string, steps: Step[]): MssqlSource | undefined {
  let statements: TsqlStatement[];
  try {
    statements = checkedStatements(up);
  } catch {
    return undefined; // validate reports it; the lint reads only SQL that was accepted
  }
  const path = [...entry.path, 'up'];
  const source: MssqlSource = {
    entry,
    sql: up,
    statements: [],
    createdTables: new Set(),
    at: (offset) => plan.locateInScalar(path, offset),
  };
  const stepId = stepOf(steps, statements.length, entry.id);
  statements.forEach((statement, i) => {
    source.statements.push({ ...statement, source, stepId: stepId(i) });
    const { tokens } = statement;
    if (isWord(tokens[0], 'CREATE') && isWord(tokens[1], 'TABLE')) {
      const created = tableAt(tokens, 2);
      if (created) source.createdTables.add(normaliseTable(created.table));
    }
  });
  return source;
}

/** Every `sql` step whose `up` is accepted, with its statements split and located. */
export function collectSources(plan: Plan, compiled: CompiledPlan): MssqlSource[] {
  return compiled.entries.flatMap(({ entry, steps }) => {
    const up = (entry.spec as { up?: unknown }).up;
    if (entry.kind !== 'sql' || typeof up !== 'string') return [];
    return sourceOf(plan, entry, up, steps) ?? [];
  });
}

const sourcesOf = new WeakMap<CompiledPlan, MssqlSource[]>();

/** The raw `sql` steps of the plan being linted, split once per lint run. */
export function sqlSourcesOf(ctx: { plan: Plan; compiled: CompiledPlan }): MssqlSource[] {
  const cached = sourcesOf.get(ctx.compiled);
  if (cached) return cached;
  const sources = collectSources(ctx.plan, ctx.compiled);
  sourcesOf.set(ctx.compiled, sources);
  return sources;
}

export const statementsOf = (ctx: { plan: Plan; compiled: CompiledPlan }): MssqlStatement[] =>
  sqlSourcesOf(ctx).flatMap((s) => s.statements);
