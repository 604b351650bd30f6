/**
 * A plan's publications, logical slots and subscriptions in PostgreSQL. The subscription's connection
 * string holds a password: it never travels in SQL text (pg_stat_activity, the server log). It is sent
 * as a bind parameter into a transaction-local setting, and a DO block whose text holds no value builds
 * CREATE SUBSCRIPTION from it with format('%L'), clears it, and re-raises an error with the password
 * masked (as foreign-user-mapping.ts does for a user mapping).
 */
import { quoteIdent, quoteLiteral as literal } from './names.js';
import { doBlockWithSecret, HIDE_BIND_PARAMETERS_FROM_LOG } from './secret-do-block.js';

const CONNINFO_SETTING = 'schemashift.subscription_conninfo';
const PASSWORD_SETTING = 'schemashift.subscription_password';

export const replicationObjectsSql = {
  publicationTables: (name: string) => ({
    sql:
      `SELECT format('%I.%I', schemaname, tablename) AS "table" FROM pg_publication_tables ` +
      `WHERE pubname = $1 ORDER BY 1`,
    params: [name],
  }),
  publicationExists: (name: string) => ({
    sql: `SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS exists`,
    params: [name],
  }),
  createPublication: (name: string, tables: string[]) =>
    `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${tables.join(', ')}`,
  dropPublication: (name: string) => `DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`,
  slot: (name: string) => ({
    sql:
      `SELECT plugin, slot_type, database, active, ` +
      `CASE WHEN confirmed_flush_lsn IS NULL THEN NULL ` +
      `ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text END AS lag, ` +
      `confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1`,
    params: [name],
  }),
  createSlot: (name: string) => ({
    sql: `SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')`,
    params: [name],
  }),
  dropSlot: (name: string) => ({
    sql: `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
    params: [name],
  }),
  subscription: (name: string) => ({
    sql:
      `SELECT oid::text AS oid, subpublications::text[] AS publications, subslotname::text AS slot, subenabled AS enabled ` +
      `FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    params: [name],
  }),
  syncSlots: (subscriptionOid: string) => ({
    sql: `SELECT slot_name::text AS slot FROM pg_replication_slots WHERE slot_name LIKE $1 AND database = current_database()`,
    params: [`pg\\_${subscriptionOid}\\_sync\\_%`],
  }),
  hideBindFromLog: HIDE_BIND_PARAMETERS_FROM_LOG,
  subscriptionBind: (conninfo: string, password: string) => ({
    sql: `SELECT set_config('${CONNINFO_SETTING}', $1, true), set_config('${PASSWORD_SETTING}', $2, true)`,
    params: [conninfo, password],
  }),
  createSubscription: (name: string, publication: string, copyData: boolean) => {
    const template = literal(
      `CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I ` +
        `WITH (create_slot = false, slot_name = %L, copy_data = ${copyData ? 'true' : 'false'})`,
    );
    return doBlockWithSecret(
      `format(${template}, ${literal(name)}, current_setting('${CONNINFO_SETTING}'), ${literal(publication)}, ${literal(name)})`,
      PASSWORD_SETTING,
      [CONNINFO_SETTING, PASSWORD_SETTING],
    );
  },
  cancelBackend: (pid: number) => ({ sql: 'SELECT pg_cancel_backend($1)', params: [pid] }),
  disableSubscription: (name: string) => `ALTER SUBSCRIPTION ${quoteIdent(name)} DISABLE`,
  detachSlot: (name: string) => `ALTER SUBSCRIPTION ${quoteIdent(name)} SET (slot_name = NONE)`,
  dropSubscription: (name: string) => `DROP SUBSCRIPTION IF EXISTS ${quoteIdent(name)}`,
  tableStates: (subscription: string) => ({
    sql:
      `SELECT format('%I.%I', n.nspname, c.relname) AS "table", r.srsubstate::text AS state ` +
      `FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid ` +
      `JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `WHERE s.subname = $1 ORDER BY 1`,
    params: [subscription],
  }),
  applyErrors: (subscription: string, versionNum: number) =>
    versionNum < 150000
      ? undefined
      : {
          sql:
            `SELECT (apply_error_count + sync_error_count)::text AS errors FROM pg_stat_subscription_stats ` +
            `WHERE subname = $1`,
          params: [subscription],
        },
  subscriptionApplied: (subscription: string, lsn: string) => ({
    sql:
      `SELECT coalesce(bool_or(os.remote_lsn >= $2::pg_lsn), false) AS ok FROM pg_replication_origin_status os ` +
      `JOIN pg_subscription s ON os.external_id = 'pg_' || s.oid WHERE s.subname = $1`,
    params: [subscription, lsn],
  }),
  currentLsn: 'SELECT pg_current_wal_lsn()::text AS lsn',
  slotPassed: (slot: string, lsn: string) => ({
    sql: `SELECT coalesce(confirmed_flush_lsn >= $2::pg_lsn, false) AS ok FROM pg_replication_slots WHERE slot_name = $1`,
    params: [slot, lsn],
  }),
};
