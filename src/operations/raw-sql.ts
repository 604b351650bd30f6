import { z } from 'zod';
import type { RawStatementsAction } from '../dialects/actions-table.js';
import { sqlStatements } from '../plan/primitives.js';
import { checkStatements } from '../sql/parser.js';
import { briefSql, LOCK_ORDER, lockOfStatement, ownTransactionReason, splitStatements, strongestLock, unwrap, type SqlStatement } from '../sql/statements.js';
import { actionStep } from './action-step.js';
import { defineOperation, type LockInfo, type LockLevel, type OperationContext, type SqlStep } from './types.js';

export const rawSqlSchema = z
  .object({
    up: sqlStatements.describe('The SQL to run. Statements that cannot run in a transaction block (CONCURRENTLY, VACUUM) get steps of their own.'),
    down: sqlStatements.optional().describe('SQL that undoes `up`; without it the step is irreversible.'),
    transactional: z.boolean().optional().describe('false: run each statement on its own instead of all in one transaction.'),
    lock: z.enum(LOCK_ORDER).optional().describe('The strongest table lock the SQL takes, when you know better than the parser.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const key of ['up', 'down'] as const) {
      const sql = spec[key];
      if (sql === undefined || checkStatements(sql)) continue;
      for (const statement of splitStatements(sql)) refuseStatement(statement, key, spec.transactional, ctx);
    }
  });

function refuseStatement(statement: SqlStatement, key: 'up' | 'down', transactional: boolean | undefined, ctx: z.RefinementCtx): void {
  const [type] = unwrap(statement.node);
  if (type === 'TransactionStmt') {
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: `\`${briefSql(statement.text, 30)}\`: transaction control in \`${key}\` would end the transaction schemashift records the step in`,
      params: { offset: statement.offset, hint: 'remove BEGIN/COMMIT: the statements already run in one transaction (set `transactional: false` to run them one by one)' },
    });
  }
  const reason = ownTransactionReason(statement.node);
  if (transactional === true && reason) {
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: `${reason} cannot run inside a transaction block, and \`transactional: true\` asks for one`,
      params: { offset: statement.offset, hint: 'drop `transactional: true`: schemashift then runs this statement as its own step, outside a transaction' },
    });
  }
}

export type RawSqlSpec = z.output<typeof rawSqlSchema>;

/** The lock as the statements' parser reads it; the dialect adds what it means (impact). */
type StatementLock = Pick<LockInfo, 'level' | 'on'>;

function declaredLock(statements: SqlStatement[], level: LockLevel): StatementLock {
  return { level, on: [...new Set(statements.flatMap((s) => lockOfStatement(s.node).on))] };
}

/** An online index build leaves an invalid index behind when it fails: the runner drops it and builds again. */
function indexBuilt(statement: SqlStatement): { table: string; name: string } | undefined {
  const [type, body] = unwrap(statement.node);
  const relation = body.relation as { schemaname?: string; relname?: string } | undefined;
  if (type !== 'IndexStmt' || !body.concurrent || typeof body.idxname !== 'string' || !relation?.relname) return undefined;
  const table = relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
  return { table, name: body.idxname };
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
  const action: RawStatementsAction = { kind: 'raw-statements', sql, lockLevel: f.lock.level, on: f.lock.on, transactional };
  if (f.builds === undefined) return actionStep(ctx, { id: f.id, summary: f.summary, action });
  action.buildsIndex = f.builds;
  const effect = { does: 'create', object: { kind: 'index', ...f.builds } } as const;
  return actionStep(ctx, { id: f.id, summary: f.summary, action, effect });
}

/** `up` (or `down`) as steps: one transaction for all, or one step per statement when some must run outside one. */
export function rawSqlSteps(sql: string, spec: Pick<RawSqlSpec, 'transactional' | 'lock'>, ctx: OperationContext, idBase: string): SqlStep[] {
  const statements = splitStatements(sql);
  const lockFor = (part: SqlStatement[]) => (spec.lock ? declaredLock(part, spec.lock) : strongestLock(part.map((s) => lockOfStatement(s.node))));
  const together = spec.transactional !== false && statements.every((s) => !ownTransactionReason(s.node));
  if (together) {
    const more = statements.length > 1 ? ` (+${statements.length - 1} more)` : '';
    return [rawStep(ctx, { id: idBase, summary: `run SQL: ${briefSql(statements[0]?.text ?? sql)}${more}`, sql, lock: lockFor(statements), transactional: true })];
  }
  const single = statements.length === 1;
  return statements.map((statement, i) => {
    const fields: RawStepFields = {
      id: single ? idBase : `${idBase}/${i + 1}`,
      summary: `run SQL${single ? '' : ` ${i + 1}/${statements.length}`}: ${briefSql(statement.text)}`,
      sql: statement.text,
      lock: lockFor([statement]),
      transactional: !ownTransactionReason(statement.node),
    };
    const builds = indexBuilt(statement);
    return rawStep(ctx, builds ? { ...fields, builds } : fields);
  });
}

function label(sql: string): string {
  const statements = splitStatements(sql);
  const table = statements.flatMap((s) => lockOfStatement(s.node).on)[0];
  return table ?? unwrap(statements[0]?.node ?? {})[0].replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

export const rawSql = defineOperation<RawSqlSpec>({
  kind: 'sql',
  description: 'Run raw SQL (`up`, and `down` to undo it), linted; statements that cannot run in a transaction block get steps of their own.',
  schema: rawSqlSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => label(spec.up),
  forward: (spec, ctx) => rawSqlSteps(spec.up, spec, ctx, ctx.id),
  inverse: (spec, ctx) =>
    spec.down === undefined
      ? { irreversible: 'no `down` SQL given' }
      : { steps: rawSqlSteps(spec.down, { transactional: spec.transactional }, ctx, `${ctx.id}/undo`) },
});
