/**
 * The blue/green part of a dialect: what schemashift sends to check two servers for logical
 * replication, to create, find and drop a plan's publications, slots and subscriptions, to retire a
 * side's tables (a trigger that refuses writes) and to carry sequences across. A dialect without
 * logical replication gives the reason it refuses instead. Every table is a qualified SQL name
 * (already quoted by the dialect); every value a bind parameter.
 */
import type { ResolvedConnection } from './actions-foreign.js';
import type { ReplicationCompareSql } from './replication-compare.js';
import type { BoundSql } from './session.js';

/** Row of `readiness`. */
export interface ServerReadiness {
  database: string;
  wal_level: string;
  version_num: number;
  max_slots: number;
  used_slots: number;
  max_senders: number;
  used_senders: number;
  max_workers: number;
  /** Logical replication workers running (apply and table copy). */
  used_workers: number;
}

/** Row of `slot`. */
export interface SlotRow {
  plugin: string | null;
  slot_type: string;
  database: string | null;
  active: boolean;
  /** Bytes of WAL the slot's consumer has not confirmed yet. */
  lag: string | null;
  confirmed: string | null;
}

/** Row of `subscription`. */
export interface SubscriptionRow {
  oid: string;
  publications: string[];
  slot: string | null;
  enabled: boolean;
}

/** What `schema: copy` needs to dump blue's definitions of the tables. */
export interface SchemaDumpRequest {
  /** Where the dump tool's path (and PATH) is read from. */
  env: NodeJS.ProcessEnv;
  blue: ResolvedConnection;
  tables: { schema: string; name: string }[];
  /** Blue's server_version_num: the dump tool must not be older. */
  blueVersion: number;
  signal?: AbortSignal;
}

export interface ReplicationSql {
  /** What `plan` shows for `schema: copy`. */
  readonly schemaCopyText: string;
  /** The tables' definitions on blue as a script of SQL statements (no client meta-commands). */
  dumpSchema(request: SchemaDumpRequest): Promise<string>;
  readonly refusal?: undefined;
  /** One row ServerReadiness. */
  readonly readiness: string;
  /** Rows `{ schema, name }`: every ordinary table outside the system schemas and schemashift. */
  readonly allTables: string;
  /** Rows `{ given, schema, name, kind }` in the order given; schema, name and kind null for a table that is not there. */
  resolveTables(tables: string[]): BoundSql;
  /** Rows `{ table }`: those of `tables` with neither a primary key nor a usable replica identity. */
  withoutIdentity(tables: string[]): BoundSql;
  /** Rows `{ table, column, type }` of the tables that exist, in column order (`table` as given). */
  columns(tables: string[]): BoundSql;
  /** One row `{ nonempty }`. */
  hasRows(table: string): string;
  createSchema(schema: string): string;
  /**
   * Rows `{ schema, name, last_value, increment, readable }`: sequences owned by the tables' columns or in their
   * defaults; last_value null when never used, or when not `readable` by the role.
   */
  sequences(tables: string[]): BoundSql;
  /** Moves the sequence `schema.name` to at least (or, descending, at most) `value`. */
  advanceSequence(schema: string, name: string, value: string): BoundSql;

  /** Rows `{ table }` of the publication (qualified, quoted); no row and `exists` false when it is absent. */
  publicationTables(name: string): BoundSql;
  publicationExists(name: string): BoundSql;
  createPublication(name: string, tables: string[]): string;
  dropPublication(name: string): string;
  /** One row SlotRow, or none. */
  slot(name: string): BoundSql;
  createSlot(name: string): BoundSql;
  dropSlot(name: string): BoundSql;
  /** One row SubscriptionRow in the current database, or none. */
  subscription(name: string): BoundSql;
  /**
   * Rows `{ slot }` on the publisher: the slots the subscription's table copies made (`pg_<oid>_sync_…`), which a
   * subscription dropped without its slot leaves behind while a copy was under way.
   */
  syncSlots(subscriptionOid: string): BoundSql;
  /** Sent before subscriptionBind, in its transaction: keeps the bound values out of the server log where it can. */
  readonly hideBindFromLog: string;
  /** Sent first in the transaction that creates a subscription: the connection string as a parameter. */
  subscriptionBind(conninfo: string, password: string): BoundSql;
  /** Creates the subscription from the setting subscriptionBind made; its text holds no connection string. */
  createSubscription(name: string, publication: string, copyData: boolean): string;
  /** Cancels the statement another backend runs (a CREATE SUBSCRIPTION that waits for its publisher). */
  cancelBackend(pid: number): BoundSql;
  disableSubscription(name: string): string;
  /** Detaches the slot, so that dropping the subscription does not reach the other server. */
  detachSlot(name: string): string;
  dropSubscription(name: string): string;
  /** Rows `{ table, state }`: each table's copy state on the subscriber (`r` = ready). */
  tableStates(subscription: string): BoundSql;
  /** One row `{ errors }`: apply and copy errors counted so far; none where the server keeps no count. */
  applyErrors(subscription: string, versionNum: number): BoundSql | undefined;
  /** One row `{ lsn }`. */
  readonly currentLsn: string;
  /**
   * One row `{ ok }`, on the subscriber: it has applied a transaction of the publisher that ends at or after `lsn`
   * (its replication origin), which is sooner than the publisher's slot learns it.
   */
  subscriptionApplied(subscription: string, lsn: string): BoundSql;
  /** One row `{ ok }`: the slot's consumer confirmed everything up to `lsn`. */
  slotPassed(slot: string, lsn: string): BoundSql;

  /** The lock that stops writes and lets reads through, and the statement taking it. */
  readonly stopLock: 'SHARE ROW EXCLUSIVE';
  lockTables(tables: string[]): string;
  /** Rows `{ pid, mode, table, query }`: sessions queued for a lock on the tables other than `ownPid`. */
  waitingWriters(tables: string[], ownPid: number): BoundSql;
  /** The function the retired triggers run: it refuses the write naming the plan. */
  readonly retireFunction: string;
  /**
   * Rows `{ table, schemashift, args }` of the tables that have a trigger named schemashift_retired: whether it
   * runs retireFunction, and its arguments (`<plan>\\000<side>\\000`).
   */
  retiredTriggers(tables: string[]): BoundSql;
  /** The trigger that refuses every write to `table`, saying the plan and the side (`writeTo`) to write to. */
  retireTable(table: string, plan: string, writeTo: string): string;
  reopenTable(table: string): string;

  /** Chunked comparison of the two sides (src/runner/replication-compare.ts). */
  readonly compare: ReplicationCompareSql;
}

/** A dialect that has no logical replication to offer: the message and the safe way instead. */
export interface ReplicationRefusal {
  readonly refusal: { message: string; hint: string };
}
