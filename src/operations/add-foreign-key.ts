import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { dropConstraintStep } from './add-check.js';
import { constraintExists } from './catalog-probes.js';
import { defineOperation, type OperationContext, type SqlStep, type Step } from './types.js';
import { validateConstraintStep } from './validate-constraint.js';

export const REFERENTIAL_ACTIONS = ['no_action', 'restrict', 'cascade', 'set_null', 'set_default'] as const;
/** pg_constraint.confdeltype / confupdtype codes, as the plan spells the actions. */
export const REFERENTIAL_ACTION_CODES: Record<string, string> = { a: 'no_action', r: 'restrict', c: 'cascade', n: 'set_null', d: 'set_default' };
type ReferentialAction = (typeof REFERENTIAL_ACTIONS)[number];

export const addForeignKeySchema = z
  .object({
    table: qualifiedName.describe('The referencing table.'),
    name: identifier,
    columns: z.array(identifier).min(1).describe('Referencing columns, in order.'),
    references: z
      .object({
        table: qualifiedName,
        columns: z.array(identifier).min(1).describe('Referenced columns (a primary key or unique constraint), in the same order.'),
      })
      .strict(),
    on_delete: z.enum(REFERENTIAL_ACTIONS).optional(),
    on_update: z.enum(REFERENTIAL_ACTIONS).optional(),
    validate: z.boolean().default(true).describe('Validate existing rows in a second step (default). false leaves the constraint NOT VALID (new rows are still checked).'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.columns.length !== spec.references.columns.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['references', 'columns'],
        message: `the foreign key lists ${spec.columns.length} column(s) but references ${spec.references.columns.length}`,
        params: { hint: `give references.columns one column per entry of columns, in the same order (columns: [${spec.columns.join(', ')}])` },
      });
    }
  });

export type AddForeignKeySpec = z.output<typeof addForeignKeySchema>;

function actionSql(action: ReferentialAction): string {
  return action.replace('_', ' ').toUpperCase();
}

function addForeignKeySql(spec: AddForeignKeySpec, ctx: OperationContext): string {
  const d = ctx.dialect;
  const list = (cols: string[]) => cols.map((c) => d.ident(c)).join(', ');
  const parts = [
    `ALTER TABLE ${d.qualified(spec.table)} ADD CONSTRAINT ${d.ident(spec.name)}`,
    `FOREIGN KEY (${list(spec.columns)}) REFERENCES ${d.qualified(spec.references.table)} (${list(spec.references.columns)})`,
  ];
  if (spec.on_delete) parts.push(`ON DELETE ${actionSql(spec.on_delete)}`);
  if (spec.on_update) parts.push(`ON UPDATE ${actionSql(spec.on_update)}`);
  parts.push('NOT VALID');
  return parts.join(' ');
}

/** Both tables get SHARE ROW EXCLUSIVE: the constraint's triggers are installed on each. */
function addStep(spec: AddForeignKeySpec, ctx: OperationContext): SqlStep {
  const ref = spec.references.table;
  return {
    id: ctx.id,
    phase: ctx.phase,
    kind: 'sql',
    summary: `add foreign key ${spec.name} on ${spec.table} → ${ref} (NOT VALID)`,
    sql: addForeignKeySql(spec, ctx),
    lock: { level: 'SHARE ROW EXCLUSIVE', on: ref === spec.table ? [spec.table] : [spec.table, ref] },
    transactional: true,
    probe: constraintExists(ctx.dialect, spec.table, spec.name),
    effect: {
      does: 'create',
      object: { kind: 'constraint', table: spec.table, name: spec.name, type: 'foreign key', columns: spec.columns, references: { ...spec.references, onDelete: spec.on_delete ?? 'no_action', onUpdate: spec.on_update ?? 'no_action' }, validated: spec.validate },
    },
  };
}

export const addForeignKey = defineOperation<AddForeignKeySpec>({
  kind: 'add_foreign_key',
  description: 'Add a foreign key NOT VALID (brief lock on both tables, no scan), then VALIDATE it without blocking writes.',
  schema: addForeignKeySchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  forward(spec, ctx) {
    const steps: Step[] = [addStep(spec, ctx)];
    if (spec.validate) {
      // The referenced table is only locked ROW SHARE; the step shape carries the strongest level.
      steps.push(validateConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/validate`, [spec.references.table]));
    }
    return steps;
  },
  inverse: (spec, ctx) => ({ steps: [{ ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`, [spec.references.table]), undoes: ctx.id }] }),
});
