import type { ActivitySql } from '../activity.js';

export const postgresActivity: ActivitySql = {};
