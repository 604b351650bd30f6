/** Which implementation of schemashift's state a connection gets: the cli chooses, nothing below it does. */
import type { Connection } from '../db/connection.js';
import { postgres } from '../dialects/postgres/postgres-dialect.js';
import type { StateSql } from '../dialects/state.js';
import type { StateStore } from '../state/store.js';

/** The state part of the connection's dialect; undefined for SQL Server, which has no state tables yet. */
export function stateSqlOf(conn: Connection): StateSql | undefined {
  return conn.dialect === 'postgres' ? postgres.state : undefined;
}

/** The state store on `conn`: the state tables are PostgreSQL's (as they were before the dialect seam). */
export function stateStoreOf(conn: Connection): StateStore {
  return postgres.state.openStore(conn);
}
