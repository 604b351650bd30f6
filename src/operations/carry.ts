/**
 * What change_type and rename_column carry from the old column to the one that replaces it. The
 * plan declares every attachment (so `plan` shows the exact SQL without a database); the runner
 * and `validate --database` compare the declarations with the catalog (carry-diff.ts) and refuse
 * a plan that would lose or change one.
 *
 * Declarations are written over the OLD column's name, as the catalog shows them; the SQL built
 * here rewrites them onto the new column. Built the safe way, in the phase where it is safe:
 * comment and grants in expand; CHECKs and foreign keys NOT VALID → VALIDATE and indexes
 * CONCURRENTLY in migrate, under temporary names; in contract's swap transaction the temporary
 * names take the original ones and the DEFAULT is set. The new column has no default before that:
 * the sync trigger tells a new-version INSERT by the new column being non-NULL.
 */
import type { Grantee, SwapCarry } from '../dialects/actions-shadow.js';
import type { Dialect } from '../dialects/dialect.js';
import { actionStep } from './action-step.js';
import { addCheck } from './add-check.js';
import { addForeignKey } from './add-foreign-key.js';
import { createIndexStep } from './create-index.js';
import { boundedName } from './sync-trigger.js';
import type { OperationContext, SqlStep, Step } from './types.js';

export {
  COLUMN_PRIVILEGES,
  carriedCheckSchema,
  carriedForeignKeySchema,
  carriedGrantSchema,
  carriedIndexSchema,
  carryFields,
  type CarriedCheck,
  type CarriedForeignKey,
  type CarriedGrant,
  type CarriedIndex,
} from './carry-fields.js';
import type { CarriedCheck, CarriedForeignKey, CarriedGrant, CarriedIndex } from './carry-fields.js';

export interface CarrySpec {
  table: string;
  /** The new column's type (rename_column: the column's type; change_type: the new type). */
  type?: string | undefined;
  not_null?: boolean | undefined;
  default?: string | null | undefined;
  comment?: string | null | undefined;
  collation?: string | null | undefined;
  grants?: CarriedGrant[] | undefined;
  indexes?: CarriedIndex[] | undefined;
  checks?: CarriedCheck[] | undefined;
  foreign_keys?: CarriedForeignKey[] | undefined;
  sequence?: string | undefined;
  drop_with_old_column?: string[] | undefined;
}

/** The old column, the column that replaces it until contract, and its name after contract. */
export interface CarryColumns {
  old: string;
  building: string;
  final: string;
}

/** The name a carried index or constraint has until the swap gives it the original one back. */
export const buildingName = (name: string): string => boundedName(name, 'new');

/** How a grantee is named in messages and summaries. */
export const granteeLabel = (grant: { role?: string | undefined; public?: boolean | undefined }): string =>
  grant.public === true ? 'PUBLIC' : `role "${grant.role ?? ''}"`;

/** PUBLIC, the pseudo-role, only from `public: true`; any other grant names its role exactly. */
const granteeOf = (grant: CarriedGrant): Grantee =>
  grant.public === true ? { public: true } : { role: grant.role ?? '' };

/** Collation, comment and column privileges go on the new column right after it is added. */
export function carryExpandSteps(d: Dialect, spec: CarrySpec, cols: CarryColumns, id: string): SqlStep[] {
  const ctx = { dialect: d, phase: 'expand' as const };
  const [table, column] = [spec.table, cols.building];
  const steps: SqlStep[] = [];
  if (typeof spec.collation === 'string') {
    if (spec.type === undefined) throw new Error(`internal: ${id} carries a collation without the column's type`);
    steps.push(
      actionStep(ctx, {
        id: `${id}/carry-collation`,
        summary: `carry the collation ${spec.collation} of ${cols.old} to ${cols.building}`,
        action: { kind: 'set-column-collation', table, column, type: spec.type, collation: spec.collation },
      }),
    );
  }
  if (typeof spec.comment === 'string') {
    steps.push(
      actionStep(ctx, {
        id: `${id}/carry-comment`,
        summary: `carry the comment of ${cols.old} to ${cols.building}`,
        action: { kind: 'set-column-comment', table, column, comment: spec.comment },
      }),
    );
  }
  (spec.grants ?? []).forEach((grant, i) => {
    steps.push(
      actionStep(ctx, {
        id: `${id}/carry-grant-${i + 1}`,
        summary: `grant ${grant.privileges.join(', ')} on ${cols.building} to ${granteeLabel(grant)}`,
        action: {
          kind: 'grant-column-privileges',
          table,
          column,
          privileges: grant.privileges,
          grantee: granteeOf(grant),
        },
      }),
    );
  });
  return steps;
}

/** Checks and foreign keys NOT VALID → VALIDATE, then indexes CONCURRENTLY, on the new column. */
export function carryMigrateSteps(d: Dialect, spec: CarrySpec, cols: CarryColumns, id: string): Step[] {
  const over = (expr: string) => d.parser.renameColumnRefs(expr, cols.old, cols.building);
  const onNew = (c: string) => (c === cols.old ? cols.building : c);
  const ctxFor = (suffix: string, name: string): OperationContext => ({
    dialect: d,
    id: `${id}/carry-${suffix}-${name}`,
    phase: 'migrate',
  });
  const checks = (spec.checks ?? []).flatMap((c) =>
    addCheck.forward(
      { table: spec.table, name: buildingName(c.name), expression: over(c.expression), validate: true },
      ctxFor('check', c.name),
    ),
  );
  const foreignKeys = (spec.foreign_keys ?? []).flatMap((fk) =>
    addForeignKey.forward(
      {
        table: spec.table,
        name: buildingName(fk.name),
        columns: fk.columns.map(onNew),
        references: fk.references,
        ...(fk.on_delete === 'no_action' ? {} : { on_delete: fk.on_delete }),
        ...(fk.on_update === 'no_action' ? {} : { on_update: fk.on_update }),
        validate: true,
      },
      ctxFor('fk', fk.name),
    ),
  );
  const indexes = (spec.indexes ?? []).map((ix) => {
    const keys = ix.keys.map((k) => {
      const column = d.parser.bareColumn(k);
      return column === undefined ? { expression: over(k) } : { column: onNew(column) };
    });
    const built = {
      table: spec.table,
      name: buildingName(ix.name),
      ...splitKeys(keys),
      unique: ix.unique,
      method: ix.method,
      concurrently: true,
      ...(ix.where === undefined ? {} : { where: over(ix.where) }),
      ...(ix.include === undefined ? {} : { include: ix.include.map(onNew) }),
    };
    return createIndexStep(built, ctxFor('index', ix.name), `${id}/carry-index-${ix.name}`);
  });
  return [...checks, ...foreignKeys, ...indexes];
}

/**
 * create_index lists plain columns before expressions; a key list where an expression comes
 * first is kept in order by writing every key as an expression (a bare column is one too).
 */
function splitKeys(keys: ({ column: string } | { expression: string })[]): {
  columns?: string[];
  expressions?: string[];
} {
  const firstExpression = keys.findIndex((k) => 'expression' in k);
  const columnsFirst = firstExpression === -1 || keys.slice(firstExpression).every((k) => 'expression' in k);
  if (columnsFirst) {
    const columns = keys.flatMap((k) => ('column' in k ? [k.column] : []));
    const expressions = keys.flatMap((k) => ('expression' in k ? [k.expression] : []));
    return { ...(columns.length ? { columns } : {}), ...(expressions.length ? { expressions } : {}) };
  }
  return { expressions: keys.map((k) => ('column' in k ? k.column : k.expression)) };
}

/**
 * What the contract swap hands over: the sequence, the carried indexes and constraints under their
 * building names, the DEFAULT, and the tables a renamed foreign key locks besides the table.
 */
export function swapCarryOf(spec: CarrySpec): SwapCarry {
  const carry: SwapCarry = {
    indexes: (spec.indexes ?? []).map((ix) => ({
      name: ix.name,
      building: buildingName(ix.name),
      ...(ix.constraint === undefined ? {} : { constraint: ix.constraint }),
    })),
    constraints: [...(spec.checks ?? []), ...(spec.foreign_keys ?? [])].map((c) => ({
      name: c.name,
      building: buildingName(c.name),
    })),
    alsoLocks: (spec.foreign_keys ?? []).map((fk) => fk.references.table).filter((t) => t !== spec.table),
  };
  if (spec.sequence !== undefined) carry.sequence = spec.sequence;
  if (typeof spec.default === 'string') carry.default = spec.default;
  return carry;
}
