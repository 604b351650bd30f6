import { z } from 'zod';
import { briefSql } from '../plan/brief-sql.js';
import { activeSqlParser, sqlQuery } from '../plan/primitives.js';
import { defineOperation } from './types.js';

export const checkSchema = z
  .object({
    sql: sqlQuery.describe(
      'A read-only query returning one value, e.g. the count of orders WHERE customer_id IS NULL.',
    ),
    expect: z
      .union([z.string(), z.number(), z.boolean(), z.null()])
      .default(0)
      .describe('The value the query must return (default 0).'),
    message: z.string().min(1).optional().describe('What the check means, shown instead of the query.'),
  })
  .strict();

export type CheckSpec = z.output<typeof checkSchema>;

export const check = defineOperation<CheckSpec>({
  kind: 'check',
  description:
    'Stop the run unless a query returns the expected value (default 0); takes no lock beyond the query itself.',
  schema: checkSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => activeSqlParser().splitStatements(spec.sql)[0]?.lock.on[0] ?? 'query',
  forward: (spec, ctx) => [
    {
      id: ctx.id,
      phase: ctx.phase,
      kind: 'check',
      summary:
        spec.message ??
        `check ${briefSql(ctx.dialect.parser.splitStatements(spec.sql)[0]?.text ?? spec.sql)} ` +
          `= ${JSON.stringify(spec.expect)}`,
      sql: spec.sql,
      expect: spec.expect,
    },
  ],
  inverse: () => ({ steps: [] }),
});
