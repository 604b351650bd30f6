import { z } from 'zod';
import { REPLICA_IDENTITIES, type ReplicaIdentity } from '../dialects/actions-meta.js';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation } from './types.js';

const previousIdentity = z.union([
  z.enum(['default', 'full', 'nothing']),
  z.object({ index: identifier.describe('The index that was the replica identity.') }).strict(),
]);

export const setReplicaIdentitySchema = z
  .object({
    table: qualifiedName,
    identity: z
      .enum(REPLICA_IDENTITIES)
      .describe(
        'What logical replication logs to identify an updated or deleted row: default (the primary key), full (the ' +
          'whole old row), nothing, or index (a unique index: give `index`).',
      ),
    index: identifier
      .optional()
      .describe('With identity: index, the unique, non-partial, non-deferrable index on NOT NULL columns to use.'),
    previous: previousIdentity
      .optional()
      .describe(
        'The replica identity before this plan: default, full, nothing, or { index: <name> }. Checked in the step ' +
          'before the change; rollback puts it back. Absent: nothing is checked and rollback is refused.',
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if ((spec.identity === 'index') === (spec.index !== undefined)) return;
    ctx.addIssue({
      code: 'custom',
      path: spec.index === undefined ? ['identity'] : ['index'],
      message:
        spec.index === undefined
          ? 'identity: index needs `index`, the unique index that identifies rows'
          : `\`index\` is only for identity: index (this step sets identity: ${spec.identity})`,
      params: { hint: 'write `identity: index` with `index: <unique index>`, or another identity without `index`' },
    });
  });

export type SetReplicaIdentitySpec = z.output<typeof setReplicaIdentitySchema>;

const targetOf = (spec: SetReplicaIdentitySpec): ReplicaIdentity =>
  spec.index === undefined ? { identity: spec.identity } : { identity: spec.identity, index: spec.index };

function previousOf(spec: SetReplicaIdentitySpec): ReplicaIdentity | undefined {
  const p = spec.previous;
  if (p === undefined) return undefined;
  return typeof p === 'string' ? { identity: p } : { identity: 'index', index: p.index };
}

const show = (r: ReplicaIdentity): string => (r.identity === 'index' ? `index ${r.index ?? ''}` : r.identity);

export const setReplicaIdentity = defineOperation<SetReplicaIdentitySpec>({
  kind: 'set_replica_identity',
  description:
    'Set what logical replication logs to identify rows (its replica identity): catalog only, ACCESS ' +
    'EXCLUSIVE for an instant; with `previous`, refused when the live identity is another, and undone by putting it ' +
    'back.',
  schema: setReplicaIdentitySchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => spec.table,
  forward(spec, ctx) {
    const previous = previousOf(spec);
    return [
      actionStep(ctx, {
        id: ctx.id,
        summary: `set replica identity of ${spec.table} to ${show(targetOf(spec))}`,
        action: {
          kind: 'set-replica-identity',
          table: spec.table,
          ...targetOf(spec),
          ...(previous === undefined ? {} : { replaces: { value: previous, targetOk: false } }),
        },
        effect: { does: 'change', object: { kind: 'table property', table: spec.table, name: 'replica identity' } },
      }),
    ];
  },
  inverse(spec, ctx) {
    const previous = previousOf(spec);
    if (previous === undefined) {
      return {
        irreversible:
          `the plan does not say what replica identity ${spec.table} had before, so a rollback cannot put it back: ` +
          'add `previous: default` (or full, nothing, { index: <name> }) to the step',
      };
    }
    const action = {
      kind: 'set-replica-identity' as const,
      table: spec.table,
      ...previous,
      replaces: { value: targetOf(spec), targetOk: true },
    };
    const summary = `set replica identity of ${spec.table} back to ${show(previous)}`;
    return { steps: [actionStep(ctx, { id: `${ctx.id}/undo`, summary, action, undoes: ctx.id })] };
  },
});
