import type { StateSql } from '../state.js';
import { mssqlAppState } from './app-state.js';
import { mssqlFlagTable } from './flag-table.js';
import { MssqlStateStore } from './state-store.js';

export const mssqlState: StateSql = {
  openStore: (db) => new MssqlStateStore(db),
  flagTable: mssqlFlagTable,
  app: mssqlAppState,
};
