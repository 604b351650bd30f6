/** validate --database for rename_table: a table to rename, a free new name, a server with security_invoker views. */
import type { RenameTableSpec } from '../../operations/rename-table.js';
import type { CheckContext } from './context.js';
import { article, at, emit, needTable } from './requirements.js';

/** `CREATE VIEW … WITH (security_invoker = true)`: PostgreSQL 15. */
const SECURITY_INVOKER_SINCE = 150000;

function checkServer(ctx: CheckContext): void {
  if (ctx.state.server.versionNum >= SECURITY_INVOKER_SINCE) return;
  emit(
    ctx,
    'db-server-version',
    at('from'),
    `rename_table leaves a security_invoker view under the old name, which needs PostgreSQL 15; this server runs ` +
      `${ctx.state.server.version}: \`run\` fails at CREATE VIEW and changes nothing`,
    'upgrade the server first; a view without security_invoker would check privileges and row level security as ' +
      "the view's owner, not as the application, so schemashift does not make one",
  );
}

export function checkRenameTable(ctx: CheckContext, spec: RenameTableSpec): void {
  checkServer(ctx);
  const table = needTable(ctx, at('from'), spec.from);
  if (!table) return;
  if (table.kind !== 'table' && table.kind !== 'partitioned table') {
    emit(
      ctx,
      'db-name-taken',
      at('from'),
      `${spec.from} is ${article(table.kind)} ${table.kind}, not a table: rename_table renames tables`,
      'name a table; a view can be replaced with `sql` (CREATE OR REPLACE VIEW) under its new name',
    );
    return;
  }
  const taken = ctx.state.sibling(table, spec.to);
  if (taken)
    emit(
      ctx,
      'db-name-taken',
      at('to'),
      `${table.schema}.${spec.to} already exists (${article(taken.kind)} ${taken.kind}): \`run\` fails at the ` +
        `rename and changes nothing`,
      'pick a name that is free in the schema, or drop what holds it first',
    );
}
