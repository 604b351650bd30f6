/**
 * Where a sync trigger runs only after constraints are checked (SQL Server's AFTER triggers), a NOT
 * NULL on the column it fills fails every INSERT of the version that leaves the column out.
 */
import type { SetNotNullSpec } from '../../operations/set-not-null.js';
import { block, entryFinding } from '../finding.js';
import { sequenceOf } from '../sequence.js';
import type { Finding, LintContext, Rule } from '../types.js';
import { syncWindows } from './drop-column-still-synced.js';

export const notNullWhileSynced: Rule = {
  id: 'not-null-while-synced',
  severity: 'error',
  description:
    'set_not_null before contract on a column a sync trigger fills, on a database whose triggers run after ' +
    'constraints are checked (SQL Server).',
  check(ctx: LintContext): Finding[] {
    const { dialect } = ctx.compiled;
    if (dialect.capabilities.syncFillsBeforeConstraints) return [];
    const windows = syncWindows(ctx);
    const sequence = sequenceOf(ctx);
    return ctx.plan.entries.flatMap((entry) => {
      if (entry.kind !== 'set_not_null' || entry.phase === 'contract') return [];
      const spec = entry.spec as SetNotNullSpec;
      if (spec.up !== undefined) return [];
      const at = sequence.firstOf(entry);
      const table = ctx.normaliseTable(spec.table);
      const filler = windows.find((w) => w.table === table && w.to === spec.column && w.installedAt < at);
      if (!filler) return [];
      return [
        entryFinding(
          notNullWhileSynced,
          ctx.plan,
          entry,
          ['column'],
          `${spec.table}.${spec.column} is filled by the sync trigger of ${filler.entry.id}, which SQL Server runs ` +
            `after checking NOT NULL: while the version that leaves ${spec.column} out still writes, each of its ` +
            `INSERTs would fail`,
          [
            'make it NOT NULL in contract, after the gate for the version that writes it:',
            block(['contract:', `  - set_not_null: { table: ${spec.table}, column: ${spec.column} }`]),
          ].join('\n'),
        ),
      ];
    });
  },
};
