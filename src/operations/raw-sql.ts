import { z } from 'zod';
import type { RawStatementsAction } from '../dialects/actions-table.js';
import type { ScriptStatement, SqlParser } from '../dialects/parser.js';
import { briefSql } from '../plan/brief-sql.js';
import { activeSqlParser, sqlStatements } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import {
  defineOperation,
  LOCK_ORDER,
  type LockInfo,
  type LockLevel,
  type OperationContext,
  type SqlStep,
} from './types.js';
export const rawSqlSchema = z
  .object({
    up: sqlStatements.describe(
      'The SQL to run. Statements that cannot run in a transaction block (an online index build, VACUUM) get steps ' +
        'of their own.',
    ),
    down: sqlStatements.optional().describe('SQL that undoes `up`; without it the step is irreversible.'),
    transactional: z
      .boolean()
      .optional()
      .describe('false: run each statement on its own instead of all in one transaction.'),
    lock: z
      .enum(LOCK_ORDER)
      .optional()
      .describe('The strongest table lock the SQL takes, when you know better than the parser.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const key of ['up', 'down'] as const) {
      const sql = spec[key];
      const parser = activeSqlParser();
      if (sql === undefined || parser.statementsProblem(sql)) continue;
      for (const statement of parser.splitStatements(sql)) refuseStatement(statement, key, spec.transactional, ctx);
    }
  });

function refuseStatement(
  statement: ScriptStatement,
  key: 'up' | 'down',
  transactional: boolean | undefined,
  ctx: z.RefinementCtx,
): void {
  if (statement.controlsTransaction) {
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message:
        `\`${briefSql(statement.text, 30)}\`: transaction control in \`${key}\` would end the transaction ` +
        `schemashift records the step in`,
      params: {
        offset: statement.offset,
        hint:
          'remove BEGIN/COMMIT: the statements already run in one transaction (set `transactional: false` to run ' +
          'them one by one)',
      },
    });
  }
  const reason = statement.ownTransactionReason;
  if (transactional === true && reason) {
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: `${reason} cannot run inside a transaction block, and \`transactional: true\` asks for one`,
      params: {
        offset: statement.offset,
        hint: 'drop `transactional: true`: schemashift then runs this statement as its own step, outside a transaction',
      },
    });
  }
}

export type RawSqlSpec = z.output<typeof rawSqlSchema>;

/** The lock as the statements' parser reads it; the dialect adds what it means (impact). */
type StatementLock = Pick<LockInfo, 'level' | 'on'>;

function declaredLock(statements: ScriptStatement[], level: LockLevel): StatementLock {
  return { level, on: [...new Set(statements.flatMap((s) => s.lock.on))] };
}

interface RawStepFields {
  id: string;
  summary: string;
  sql: string;
  lock: StatementLock;
  transactional: boolean;
  builds?: { table: string; name: string };
}

function rawStep(ctx: OperationContext, f: RawStepFields): SqlStep {
  const { sql, transactional } = f;
  const action: RawStatementsAction = {
    kind: 'raw-statements',
    sql,
    lockLevel: f.lock.level,
    on: f.lock.on,
    transactional,
  };
  if (f.builds === undefined) return actionStep(ctx, { id: f.id, summary: f.summary, action });
  action.buildsIndex = f.builds;
  const effect = { does: 'create', object: { kind: 'index', ...f.builds } } as const;
  return actionStep(ctx, { id: f.id, summary: f.summary, action, effect });
}

/** `up` (or `down`) as steps: one transaction for all, or one step per statement when some must run outside one. */
export function rawSqlSteps(
  sql: string,
  spec: Pick<RawSqlSpec, 'transactional' | 'lock'>,
  ctx: OperationContext,
  idBase: string,
): SqlStep[] {
  const parser = ctx.dialect.parser;
  const statements = parser.splitStatements(sql);
  const lockFor = (part: ScriptStatement[]) =>
    spec.lock ? declaredLock(part, spec.lock) : parser.strongestLock(part.map((s) => s.lock));
  const together = spec.transactional !== false && statements.every((s) => !s.ownTransactionReason);
  if (together) {
    const more = statements.length > 1 ? ` (+${statements.length - 1} more)` : '';
    return [
      rawStep(ctx, {
        id: idBase,
        summary: `run SQL: ${briefSql(statements[0]?.text ?? sql)}${more}`,
        sql,
        lock: lockFor(statements),
        transactional: true,
      }),
    ];
  }
  const single = statements.length === 1;
  return statements.map((statement, i) => {
    const fields: RawStepFields = {
      id: single ? idBase : `${idBase}/${i + 1}`,
      summary: `run SQL${single ? '' : ` ${i + 1}/${statements.length}`}: ${briefSql(statement.text)}`,
      sql: statement.text,
      lock: lockFor([statement]),
      transactional: !statement.ownTransactionReason,
    };
    const builds = statement.buildsIndex;
    return rawStep(ctx, builds ? { ...fields, builds } : fields);
  });
}

function label(sql: string, parser: SqlParser): string {
  const statements = parser.splitStatements(sql);
  return statements.flatMap((s) => s.lock.on)[0] ?? statements[0]?.label ?? '';
}

export const rawSql = defineOperation<RawSqlSpec>({
  kind: 'sql',
  description:
    'Run raw SQL (`up`, and `down` to undo it), linted; statements that cannot run in a transaction block get steps ' +
    'of their own.',
  schema: rawSqlSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => label(spec.up, activeSqlParser()),
  forward: (spec, ctx) => rawSqlSteps(spec.up, spec, ctx, ctx.id),
  inverse: (spec, ctx) =>
    spec.down === undefined
      ? { irreversible: 'no `down` SQL given' }
      : { steps: rawSqlSteps(spec.down, { transactional: spec.transactional }, ctx, `${ctx.id}/undo`) },
});
