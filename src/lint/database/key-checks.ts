/**
 * add_primary_key and the options of the constraint operations against the schema at their point
 * in the plan: one primary key per table, NOT NULL key columns (or listed in set_not_null), and
 * ON DELETE SET NULL (columns), which needs PostgreSQL 15 (NULLS NOT DISTINCT is costed with the
 * statement: capabilities.ts).
 */
import type { AddForeignKeySpec } from '../../operations/add-foreign-key.js';
import type { AddPrimaryKeySpec } from '../../operations/add-primary-key.js';
import type { CheckContext } from './context.js';
import { checkAddForeignKey, constraintName, indexName } from './relation-checks.js';
import { at, emit, needColumn, needTable } from './requirements.js';
import type { SimRelation } from './sim-state.js';

const PG15 = 150000;

function otherPrimaryKey(table: SimRelation, name: string): string | undefined {
  return [...table.constraints.entries()].find(([n, c]) => c.type === 'primary key' && n !== name)?.[0];
}

function keyColumns(ctx: CheckContext, spec: AddPrimaryKeySpec, table: SimRelation): void {
  const listed = spec.set_not_null ?? [];
  spec.columns.forEach((c, i) => {
    const column = needColumn(ctx, at('columns', i), table, c);
    if (!column) return;
    if (listed.includes(c)) {
      if (column.notNull)
        emit(
          ctx,
          'db-already-exists',
          at('set_not_null', listed.indexOf(c)),
          `${table.name}.${c} is already NOT NULL, and not by this plan: \`run\` refuses to take it over (a rollback ` +
            `would make it nullable again)`,
          `remove ${c} from set_not_null`,
        );
      return;
    }
    if (column.notNull) return;
    emit(
      ctx,
      'db-big-table-lock',
      at('columns', i),
      `${table.name}.${c} is nullable: attaching the primary key would SET NOT NULL with a full scan under ACCESS ` +
        `EXCLUSIVE (reads and writes wait), so \`run\` refuses it`,
      `add it to set_not_null (set_not_null: [${c}]): the plan then makes it NOT NULL without a long lock first`,
      'error',
    );
  });
}

export function checkAddPrimaryKey(ctx: CheckContext, spec: AddPrimaryKeySpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (!table) return;
  const other = otherPrimaryKey(table, spec.name);
  if (other !== undefined) {
    emit(
      ctx,
      'db-already-exists',
      at('table'),
      `${table.name} already has a primary key (${other}): a table has one, so \`run\` refuses the step`,
      'drop the old key in an earlier step, or add a unique constraint (add_unique) instead',
    );
  }
  keyColumns(ctx, spec, table);
  if (constraintName(ctx, at('name'), table, spec.name, 'primary key')) return;
  indexName(ctx, at(spec.index === undefined ? 'name' : 'index'), table, spec.index ?? spec.name, spec.columns);
}

function needPg15(ctx: CheckContext, place: ReturnType<typeof at>, what: string, instead: string): void {
  if (ctx.state.server.versionNum >= PG15) return;
  emit(
    ctx,
    'db-server-version',
    place,
    `${what} needs PostgreSQL 15 or later; the server runs ${ctx.state.server.version}`,
    instead,
  );
}

export function checkAddForeignKeyOptions(ctx: CheckContext, spec: AddForeignKeySpec): void {
  checkAddForeignKey(ctx, spec);
  if (typeof spec.on_delete === 'object')
    needPg15(
      ctx,
      at('on_delete', 'columns'),
      `ON DELETE ${spec.on_delete.action.replace('_', ' ').toUpperCase()} with a column list`,
      `upgrade the server, or write on_delete: ${spec.on_delete.action} (every key column is set)`,
    );
}
