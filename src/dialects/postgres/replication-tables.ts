/**
 * The tables of a blue/green plan in PostgreSQL: readiness of a server for logical replication, keys,
 * columns, sequences, and retiring a side (a statement-level trigger that refuses every write; it does
 * not fire in the logical apply worker, which runs with session_replication_role = replica). Tables
 * arrive quoted and qualified and are resolved with to_regclass from a bind parameter.
 */
import { quoteIdent, quoteLiteral } from './names.js';

const TABLES = `(SELECT to_regclass(x) AS oid, x, n FROM unnest($1::text[]) WITH ORDINALITY u(x, n))`;

export const RETIRED_TRIGGER = 'schemashift_retired';

export const replicationTablesSql = {
  readiness:
    `SELECT current_database()::text AS database, current_setting('wal_level') AS wal_level, current_setting('server_version_num')::int AS version_num, ` +
    `current_setting('max_replication_slots')::int AS max_slots, ` +
    `(SELECT count(*) FROM pg_replication_slots)::int AS used_slots, ` +
    `current_setting('max_wal_senders')::int AS max_senders, ` +
    `(SELECT count(*) FROM pg_stat_replication)::int AS used_senders, ` +
    `current_setting('max_logical_replication_workers')::int AS max_workers, ` +
    `(SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL)::int AS used_workers`,
  allTables:
    `SELECT n.nspname::text AS schema, c.relname::text AS name FROM pg_class c ` +
    `JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition ` +
    `AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'schemashift') AND n.nspname NOT LIKE 'pg\\_%' ` +
    `ORDER BY 1`,
  resolveTables: (tables: string[]) => ({
    sql:
      `SELECT t.x AS given, n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind ` +
      `FROM ${TABLES} t LEFT JOIN pg_class c ON c.oid = t.oid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `ORDER BY t.n`,
    params: [tables],
  }),
  withoutIdentity: (tables: string[]) => ({
    sql:
      `SELECT t.x AS "table" FROM ${TABLES} t JOIN pg_class c ON c.oid = t.oid ` +
      `WHERE NOT (c.relreplident = 'f' ` +
      `OR (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)) ` +
      `OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))) ` +
      `ORDER BY t.n`,
    params: [tables],
  }),
  columns: (tables: string[]) => ({
    sql:
      `SELECT t.x AS "table", a.attname::text AS "column", format_type(a.atttypid, a.atttypmod) AS type ` +
      `FROM ${TABLES} t JOIN pg_attribute a ON a.attrelid = t.oid WHERE a.attnum > 0 AND NOT a.attisdropped ` +
      `ORDER BY t.n, a.attnum`,
    params: [tables],
  }),
  hasRows: (table: string) => `SELECT EXISTS (SELECT 1 FROM ${table}) AS nonempty`,
  createSchema: (schema: string) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`,
  sequences: (tables: string[]) => ({
    sql:
      `WITH t AS ${TABLES} SELECT DISTINCT n.nspname::text AS schema, s.relname::text AS name, ` +
      `ps.last_value::text AS last_value, ps.increment_by::text AS increment, ` +
      `has_sequence_privilege(s.oid, 'SELECT') AS readable FROM (` +
      `SELECT d.objid AS seq FROM pg_depend d JOIN t ON d.refobjid = t.oid WHERE d.classid = 'pg_class'::regclass ` +
      `AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') UNION ` +
      `SELECT d.refobjid FROM pg_attrdef ad JOIN t ON ad.adrelid = t.oid JOIN pg_depend d ` +
      `ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass` +
      `) q JOIN pg_class s ON s.oid = q.seq AND s.relkind = 'S' JOIN pg_namespace n ON n.oid = s.relnamespace ` +
      `JOIN pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = s.relname ORDER BY 1, 2`,
    params: [tables],
  }),
  advanceSequence: (schema: string, name: string, value: string) => ({
    sql:
      `SELECT setval(format('%I.%I', ps.schemaname, ps.sequencename)::regclass, CASE WHEN ps.increment_by > 0 ` +
      `THEN greatest(coalesce(ps.last_value, $3::bigint), $3::bigint) ` +
      `ELSE least(coalesce(ps.last_value, $3::bigint), $3::bigint) END, true)::text AS value ` +
      `FROM pg_sequences ps WHERE ps.schemaname = $1 AND ps.sequencename = $2`,
    params: [schema, name, value],
  }),
  stopLock: 'SHARE ROW EXCLUSIVE' as const,
  lockTables: (tables: string[]) => `LOCK TABLE ${tables.join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
  waitingWriters: (tables: string[], ownPid: number) => ({
    sql:
      `SELECT l.pid, l.mode, l.relation::regclass::text AS "table", left(coalesce(a.query, ''), 200) AS query ` +
      `FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND l.locktype = 'relation' ` +
      `AND l.mode IN ('RowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock') ` +
      `AND coalesce(a.backend_type, '') <> 'autovacuum worker' AND l.pid <> $2 AND l.relation IN (SELECT oid FROM ${TABLES} t) ORDER BY l.pid`,
    params: [tables, ownPid],
  }),
  retireFunction: `CREATE SCHEMA IF NOT EXISTS schemashift;
CREATE OR REPLACE FUNCTION schemashift.retired_write() RETURNS trigger LANGUAGE plpgsql AS $schemashift$
BEGIN
  RAISE EXCEPTION 'table %.% was switched to % by plan %: write to %', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[1],
    TG_ARGV[0], TG_ARGV[1] USING ERRCODE = 'read_only_sql_transaction';
END
$schemashift$`,
  retiredTriggers: (tables: string[]) => ({
    sql:
      `SELECT t.x AS "table", (p.proname = 'retired_write' AND pn.nspname = 'schemashift') AS schemashift, ` +
      `encode(tg.tgargs, 'escape') AS args FROM ${TABLES} t JOIN pg_trigger tg ON tg.tgrelid = t.oid ` +
      `AND tg.tgname = '${RETIRED_TRIGGER}' JOIN pg_proc p ON p.oid = tg.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace ` +
      `ORDER BY t.n`,
    params: [tables],
  }),
  retireTable: (table: string, plan: string, writeTo: string) =>
    `CREATE TRIGGER ${RETIRED_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table} ` +
    `FOR EACH STATEMENT EXECUTE FUNCTION schemashift.retired_write(${quoteLiteral(plan)}, ${quoteLiteral(writeTo)})`,
  reopenTable: (table: string) => `DROP TRIGGER IF EXISTS ${RETIRED_TRIGGER} ON ${table}`,
};
