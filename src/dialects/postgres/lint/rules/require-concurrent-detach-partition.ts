import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { existingTableCommands, type TableCommand, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

function isPlainDetach(c: TableCommand): boolean {
  const partition = (c.cmd.def as { PartitionCmd?: { concurrent?: boolean } } | undefined)?.PartitionCmd;
  return c.subtype === 'AT_DetachPartition' && partition?.concurrent !== true;
}

/** The DETACH subcommand alone, with CONCURRENTLY at its end. */
function concurrentStatement(c: TableCommand, ctx: LintContext): string {
  return (
    `ALTER TABLE ${ctx.compiled.dialect.qualified(c.table)} ` +
    `${c.stmt.source.sql.slice(c.offset, c.end).trim()} CONCURRENTLY`
  );
}

function findingOf(c: TableCommand, ctx: LintContext): Finding {
  const partition = String(
    (c.cmd.def as { PartitionCmd?: { name?: { relname?: string } } } | undefined)?.PartitionCmd?.name?.relname ?? '',
  );
  return sqlFinding(
    requireConcurrentDetachPartition,
    c.stmt,
    c.offset,
    `DETACH PARTITION ${partition} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on ${c.table}, blocking ` +
      `reads and writes of every partition (and queueing behind any running query)`,
    [
      'detach it CONCURRENTLY (PostgreSQL 14+; SHARE UPDATE EXCLUSIVE on the parent), alone in a step that runs ' +
        'outside a transaction:',
      block([`- sql: { up: ${yamlString(concurrentStatement(c, ctx))}, transactional: false }`]),
      `not possible while ${c.table} has a DEFAULT partition; if the step is interrupted, finish it with ALTER ` +
        `TABLE ${c.table} DETACH PARTITION ${partition} FINALIZE`,
    ].join('\n'),
  );
}

export const requireConcurrentDetachPartition: Rule = {
  id: 'require-concurrent-detach-partition',
  severity: 'error',
  description:
    'ALTER TABLE … DETACH PARTITION without CONCURRENTLY locks the partitioned table against reads and writes.',
  check: (ctx: LintContext) =>
    existingTableCommands(sqlSourcesOf(ctx))
      .filter(isPlainDetach)
      .map((c) => findingOf(c, ctx)),
};
