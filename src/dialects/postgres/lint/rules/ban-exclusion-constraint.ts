import type { AstNode } from '../../sql/ast.js';
import { sqlFinding } from '../../../../lint/finding.js';
import { existingTableCommands, type TableCommand, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

function findingOf(c: TableCommand): Finding | undefined {
  const constraint =
    c.subtype === 'AT_AddConstraint' ? (c.cmd.def as { Constraint?: AstNode } | undefined)?.Constraint : undefined;
  if (constraint?.contype !== 'CONSTR_EXCLUSION') return undefined;
  return sqlFinding(
    banExclusionConstraint,
    c.stmt,
    Number(constraint.location ?? c.offset),
    `adding an EXCLUDE constraint to ${c.table} builds its index and checks every row under an ACCESS EXCLUSIVE ` +
      `lock; PostgreSQL has no online path (no NOT VALID, no USING INDEX, no CONCURRENTLY)`,
    [
      'there is no lock-free way: run it in a maintenance window, or when the table is small enough that the ' +
        'build takes a moment;',
      'the plan lock_timeout bounds the wait for the lock, not the build. Once decided, record it on the step:',
      '  lint: { ignore: [ban-exclusion-constraint], reason: <table size, window> }',
      'or enforce the rule in the application / a trigger that locks the key range, then add the constraint later',
    ].join('\n'),
  );
}

export const banExclusionConstraint: Rule = {
  id: 'ban-exclusion-constraint',
  severity: 'warning',
  description:
    'ADD CONSTRAINT … EXCLUDE on an existing table has no online path: it blocks reads and writes for the whole build.',
  check: (ctx: LintContext) => existingTableCommands(sqlSourcesOf(ctx)).flatMap((c) => findingOf(c) ?? []),
};
