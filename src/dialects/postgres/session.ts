import type { SessionSql } from '../session.js';

export const postgresSession: SessionSql = {};
