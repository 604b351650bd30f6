/**
 * On SQL Server a table with an enabled INSERT or UPDATE trigger refuses every INSERT, UPDATE or
 * MERGE that writes it with an OUTPUT clause without INTO (error 334), which EF Core 7+ sends when
 * it saves unless the entity is told about the trigger: the sync trigger would break such writers
 * the moment expand enables it.
 * https://learn.microsoft.com/sql/t-sql/queries/output-clause-transact-sql ("Triggers")
 * https://learn.microsoft.com/ef/core/what-is-new/ef-core-7.0/breaking-changes#sqlserver-tables-with-triggers
 */
import { block, entryFinding } from '../../../../lint/finding.js';
import { sequenceOf } from '../../../../lint/sequence.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import type { PlanEntry } from '../../../../plan/types.js';

/** A step that creates a trigger (only sync triggers are created by operations), with its names. */
interface EnabledTrigger {
  entry: PlanEntry;
  table: string;
  /** Unqualified, as EF Core's HasTrigger takes it. */
  trigger: string;
}

function enabledTriggers(ctx: LintContext): EnabledTrigger[] {
  return sequenceOf(ctx).steps.flatMap(({ entry, step }) => {
    if (step.kind !== 'sql' || step.effect?.does !== 'create') return [];
    const { object } = step.effect;
    return object.kind === 'trigger' ? [{ entry, table: object.table, trigger: object.name }] : [];
  });
}

function findingOf(ctx: LintContext, { entry, table, trigger }: EnabledTrigger): Finding {
  return entryFinding(
    syncTriggerOutputClause,
    ctx.plan,
    entry,
    [],
    `${entry.id} enables the sync trigger ${trigger} on ${table}: from then on SQL Server refuses every INSERT, ` +
      `UPDATE or MERGE on ${table} with an OUTPUT clause without INTO (error 334), which EF Core 7+ sends by ` +
      'default when it saves',
    [
      'before expand, deploy writers that work with a trigger on the table:',
      block([
        `EF Core:  modelBuilder.Entity<…>().ToTable(t => t.HasTrigger("${trigger}"));`,
        'hand-written SQL:  OUTPUT inserted.… INTO @written (a table variable), then SELECT from @written',
      ]),
      'BULK INSERT and bcp skip the trigger unless run with FIRE_TRIGGERS.',
    ].join('\n'),
  );
}

export const syncTriggerOutputClause: Rule = {
  id: 'sync-trigger-output-clause',
  severity: 'warning',
  description:
    'SQL Server: a sync trigger makes every INSERT/UPDATE/MERGE with OUTPUT but no INTO on its table fail ' +
    '(EF Core 7+ saves) until the writers are told about the trigger.',
  check(ctx: LintContext): Finding[] {
    return enabledTriggers(ctx).map((t) => findingOf(ctx, t));
  },
};
