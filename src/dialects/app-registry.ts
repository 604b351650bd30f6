/**
 * The statements `schemashift/app` sends, from the application's dialect, without loading the rest
 * of a dialect (its parser, introspection, lint rules): application code stays light.
 */
import type { Dialect } from './dialect.js';
import { postgresAppState } from './postgres/app-state.js';
import type { AppStateSql } from './state.js';

/** The given dialect's application statements, else PostgreSQL's. */
export function appStateSql(dialect: Dialect | undefined): AppStateSql {
  return dialect?.state.app ?? postgresAppState;
}
