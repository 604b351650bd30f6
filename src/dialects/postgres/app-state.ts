/** The statements schemashift/app sends through the application's driver: jsonb parameters cast explicitly. */
import type { AppStateSql } from '../state.js';
import { quoteQualified } from './names.js';

export const postgresAppState: AppStateSql = {
  readFlags: (table) => `SELECT id, definition FROM ${quoteQualified(table)} ORDER BY id`,
  insertMismatch: (table) =>
    `INSERT INTO ${quoteQualified(table)} (repository, method, args, old_result, new_result, error) ` +
    'VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6)',
};
