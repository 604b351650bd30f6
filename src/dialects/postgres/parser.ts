import type { SqlParser } from '../parser.js';

export const postgresParser: SqlParser = {};
