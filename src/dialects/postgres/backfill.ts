import type { BackfillSql } from '../backfill.js';

export const postgresBackfill: BackfillSql = {};
