/**
 * PostgreSQL for a materialized view over another database: the wrapper extension, the foreign
 * server, the current user's mapping, the imported foreign tables and the view. Connection values
 * are shown as `'<from $VAR>'` until the runner renders the statement with the environment's values;
 * every value is a literal, every name an identifier, and nothing is dropped with CASCADE.
 */
import type { ActionRenderer } from '../actions.js';
import type { ForeignAction, ForeignVia, ResolvedConnection } from '../actions-foreign.js';
import { foreignProbes as probes } from './foreign-objects.js';
import {
  MAPPED_ROLE_PLACEHOLDER,
  MAPPED_ROLE_SQL,
  userMappingBind,
  userMappingFromSettings,
} from './foreign-user-mapping.js';
import { foreignViewQuery, foreignViewSql } from './foreign-view.js';
import { lockOf } from './lock-modes.js';
import { quoteIdent as ident, quoteLiteral as literal } from './names.js';
import { postgresProbes } from './probes.js';
import { singleQuery, tablesRead } from './sql/statements.js';

const WRAPPERS: Record<ForeignVia, string> = { postgres_fdw: 'postgres_fdw', dblink: 'dblink_fdw' };

const NO_LOCK = lockOf('none', []);

type Key = keyof ResolvedConnection;

/** `key 'value'` pairs: the environment's values when resolved, else a placeholder naming the variable. */
function options(keys: Key[], env: string, resolved: ResolvedConnection | undefined): string {
  const pairs = keys.flatMap((key) => {
    if (!resolved) return [`${key} ${literal(`<from $${env}>`)}`];
    const value = resolved[key];
    return value === undefined ? [] : [`${key} ${literal(value)}`];
  });
  return `OPTIONS (${pairs.join(', ')})`;
}

const serverOf = (server: string) => `SERVER ${ident(server)}`;

export const foreignDdl: ActionRenderer<ForeignAction> = {
  'create-extension': (a) => ({
    sql: `CREATE EXTENSION IF NOT EXISTS ${ident(a.extension)}`,
    lock: NO_LOCK,
    transactional: true,
    probe: probes.extensionExists(a.extension),
  }),
  'drop-extension': (a) => ({
    sql: `DROP EXTENSION IF EXISTS ${ident(a.extension)} RESTRICT`,
    lock: NO_LOCK,
    transactional: true,
    probe: probes.extensionAbsent(a.extension),
  }),
  'create-foreign-server': (a) => ({
    sql:
      `CREATE SERVER ${ident(a.server)} FOREIGN DATA WRAPPER ${WRAPPERS[a.via]} ` +
      options(['host', 'port', 'dbname'], a.connection.env, a.resolved),
    lock: NO_LOCK,
    transactional: true,
    probe: probes.serverExists(a.server),
  }),
  'drop-foreign-server': (a) => ({
    sql: `DROP SERVER IF EXISTS ${ident(a.server)} RESTRICT`,
    lock: NO_LOCK,
    transactional: true,
    probe: probes.serverAbsent(a.server),
  }),
  // Shown with placeholders; run as a DO block reading the credentials sent as bind parameters.
  'create-user-mapping': (a) => ({
    sql: a.resolved
      ? userMappingFromSettings(a.server, a.resolved.password !== undefined)
      : `CREATE USER MAPPING FOR CURRENT_USER ${serverOf(a.server)} ` +
        options(['user', 'password'], a.connection.env, undefined),
    ...(a.resolved ? { bind: userMappingBind(a.resolved), records: MAPPED_ROLE_SQL } : {}),
    lock: NO_LOCK,
    transactional: true,
    probe: probes.mappingExists(a.server),
  }),
  // The role the forward step mapped (recorded when it ran): never whoever runs the rollback.
  'drop-user-mapping': (a) => ({
    sql: `DROP USER MAPPING IF EXISTS FOR ${ident(a.role ?? MAPPED_ROLE_PLACEHOLDER)} ${serverOf(a.server)}`,
    lock: NO_LOCK,
    transactional: true,
    probe: probes.mappingAbsent(a.server, a.role),
  }),
  'create-foreign-schema': (a) => ({
    sql: `CREATE SCHEMA ${ident(a.schema)}`,
    lock: NO_LOCK,
    transactional: true,
    probe: probes.schemaExists(a.schema),
  }),
  'drop-foreign-schema': (a) => ({
    sql: `DROP SCHEMA IF EXISTS ${ident(a.schema)} RESTRICT`,
    lock: NO_LOCK,
    transactional: true,
    probe: probes.schemaAbsent(a.schema),
  }),
  'import-foreign-tables': (a) => ({
    sql:
      `IMPORT FOREIGN SCHEMA ${ident(a.remoteSchema)} LIMIT TO (${a.tables.map(ident).join(', ')}) ` +
      `FROM ${serverOf(a.server)} INTO ${ident(a.into)}`,
    lock: NO_LOCK,
    transactional: true,
    probe: probes.foreignTablesExist(a.into, a.tables),
  }),
  'drop-foreign-tables': (a) => ({
    sql: `DROP FOREIGN TABLE IF EXISTS ${a.tables.map((t) => `${ident(a.schema)}.${ident(t)}`).join(', ')} RESTRICT`,
    lock: lockOf(
      'ACCESS EXCLUSIVE',
      a.tables.map((t) => `${a.schema}.${t}`),
    ),
    transactional: true,
    probe: probes.foreignTablesAbsent(a.schema, a.tables),
  }),
  // Building the view reads the other database through the server, and any local table the query joins.
  'create-foreign-materialized-view': (a) => ({
    sql: foreignViewSql(a),
    lock: lockOf('ACCESS SHARE', a.source.via === 'dblink' ? [] : tablesRead(singleQuery(foreignViewQuery(a)).node)),
    transactional: true,
    probe: postgresProbes.relationExists(a.name),
  }),
};
