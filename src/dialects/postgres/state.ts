import type { StateSql } from '../state.js';

export const postgresState: StateSql = {};
