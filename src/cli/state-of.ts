/** Which implementation of schemashift's state a connection gets: the cli chooses, nothing below it does. */
import type { Connection } from '../db/connection.js';
import { dialectNamed } from '../dialects/registry.js';
import type { StateSql } from '../dialects/state.js';
import type { StateStore } from '../state/store.js';

/** The state part of the connection's dialect (PGlite speaks PostgreSQL). */
export function stateSqlOf(conn: Connection): StateSql {
  return dialectNamed(conn.dialect).state;
}

/** The state store on `conn`, in its dialect's state tables. */
export function stateStoreOf(conn: Connection): StateStore {
  return stateSqlOf(conn).openStore(conn);
}
