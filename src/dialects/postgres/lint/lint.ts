import type { SqlLint } from '../../parser.js';
import { normaliseTable } from './raw-sql.js';
import { rawStatements } from './raw-statements.js';
import { POSTGRES_RULES } from './rules/index.js';

export const postgresLint: SqlLint = { rules: POSTGRES_RULES, rawStatements, normaliseTable };
