import type { BackfillSpec } from '../../../../operations/backfill.js';
import { walk, type AstNode } from '../../sql/ast.js';
import { parseSql } from '../../sql/parser.js';
import { volatilityOf } from '../../sql/volatility.js';
import type { PlanEntry } from '../../../../plan/types.js';
import { block, entryFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

/**
 * The columns an expression reads, except `x` in `COALESCE(x, …)` (which keeps a value already there), and whether it
 * calls a function.
 */
function columnsRead(expression: string, prefix: 'SELECT ' | 'SELECT 1 WHERE '): { read: Set<string>; calls: boolean } {
  const parsed = parseSql(prefix + expression);
  const read = new Set<string>();
  let calls = false;
  if (!parsed.ok) return { read, calls };
  const kept = new Set<unknown>();
  walk(parsed.result, (type, node) => {
    if (type === 'FuncCall') calls = true;
    if (type === 'CoalesceExpr')
      kept.add((((node.args as AstNode[] | undefined) ?? [])[0] as { ColumnRef?: unknown } | undefined)?.ColumnRef);
    if (type !== 'ColumnRef' || kept.has(node)) return;
    const fields = (node.fields as { String?: { sval?: string } }[] | undefined) ?? [];
    const name = fields[fields.length - 1]?.String?.sval;
    if (name) read.add(name);
  });
  return { read, calls };
}

interface Problem {
  column: string;
  expression: string;
  why: string;
  volatile: boolean;
}

function problemsOf(spec: BackfillSpec): Problem[] {
  const columns = Object.keys(spec.set);
  const reads = new Map(columns.map((c) => [c, columnsRead(spec.set[c] ?? '', 'SELECT ')]));
  const selfReading = (c: string) => columns.filter((other) => reads.get(c)?.read.has(other));
  // A `where` on a column this backfill sets from other columns skips the rows already done.
  const markers = columns.filter((c) => selfReading(c).length === 0);
  const where = spec.where === undefined ? new Set<string>() : columnsRead(spec.where, 'SELECT 1 WHERE ').read;
  if (markers.some((m) => where.has(m))) return [];
  return columns.flatMap((column): Problem[] => {
    const read = selfReading(column);
    const expression = spec.set[column] ?? '';
    if (read.length > 0)
      return [
        {
          column,
          expression,
          volatile: false,
          why: `it reads ${read.join(', ')}, which it also writes: a row updated twice changes twice`,
        },
      ];
    const v = reads.get(column)?.calls ? volatilityOf(expression) : { volatile: false as const };
    return v.volatile
      ? [
          {
            column,
            expression,
            volatile: true,
            why: `it calls ${v.fn}(), which is volatile: a row updated again gets a different value`,
          },
        ]
      : [];
  });
}

function recipe(table: string, problem: Problem): string[] {
  const c = problem.column;
  if (problem.volatile) {
    return [
      'add a `where` that skips the rows already filled:',
      block([`- backfill: { table: ${table}, set: { ${c}: ${yamlString(problem.expression)} }, where: ${c} IS NULL }`]),
    ];
  }
  return [
    'write the value into a new column, as a function of the old one, and skip rows already filled:',
    block([
      `- backfill: { table: ${table}, set: { ${c}_new: ${yamlString(problem.expression)} }, where: ${c}_new IS NULL }`,
    ]),
    'or mark each row done in the same update and skip marked rows:',
    block([
      `- backfill: { table: ${table}, set: { ${c}: ${yamlString(problem.expression)}, ${c}_migrated: "true" }, ` +
        `where: ${c}_migrated IS NOT TRUE }`,
    ]),
  ];
}

function findingOf(ctx: LintContext, entry: PlanEntry, problem: Problem): Finding {
  const spec = entry.spec as BackfillSpec;
  return entryFinding(
    backfillNotIdempotent,
    ctx.plan,
    entry,
    ['set', problem.column],
    `backfill of ${spec.table}.${problem.column} is not safe to run twice: ${problem.why}; undoing a backfill ` +
      `keeps its values, so a run after rollback applies it again`,
    recipe(spec.table, problem).join('\n'),
  );
}

export const backfillNotIdempotent: Rule = {
  id: 'backfill-not-idempotent',
  severity: 'warning',
  description:
    'A backfill whose `set` reads a column it writes (x = x + 1) or calls a volatile function, with no `where` ' +
    'that skips rows already done.',
  check: (ctx: LintContext) =>
    ctx.plan.entries
      .filter((e) => e.kind === 'backfill')
      .flatMap((entry) => problemsOf(entry.spec as BackfillSpec).map((p) => findingOf(ctx, entry, p))),
};
