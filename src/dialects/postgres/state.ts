import type { StateSql } from '../state.js';
import { postgresAppState } from './app-state.js';
import { postgresFlagTable } from './flag-table.js';
import { PostgresStateStore } from './state-store.js';
import { PostgresViewRefreshStore } from './state-view-refreshes.js';

export const postgresState: StateSql = {
  openStore: (db) => new PostgresStateStore(db),
  flagTable: postgresFlagTable,
  app: postgresAppState,
  viewRefreshes: (db) => new PostgresViewRefreshStore(db),
};
