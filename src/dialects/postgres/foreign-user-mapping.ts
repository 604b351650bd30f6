/**
 * The user mapping's credentials never travel in SQL text (which pg_stat_activity, pg_stat_statements
 * and, on an error, the server log keep): the runner first sends them as bind parameters into two
 * transaction-local settings, then a DO block, whose text holds no value, builds the statement from
 * them with format('%L'), clears them, and re-raises any error (a cancel too) without the statement it
 * ran and with the password masked in its message (an error's context would otherwise quote the statement,
 * password and all, to the client and the log).
 */
import type { ResolvedConnection } from '../actions-foreign.js';
import { quoteLiteral as literal } from './names.js';
import { doBlockWithSecret, HIDE_BIND_PARAMETERS_FROM_LOG } from './secret-do-block.js';

const USER_SETTING = 'schemashift.mapping_user';
const PASSWORD_SETTING = 'schemashift.mapping_password';

/** Run after the mapping is created: the role it maps, kept in the step's checkpoint for its undo. */
export const MAPPED_ROLE_SQL = 'SELECT current_user::text AS mapped_role';

/** Shown (plan output) for the role an undo drops the mapping of, until the runner knows it. */
export const MAPPED_ROLE_PLACEHOLDER = '<the role that created the mapping>';

/** Sent first, inside the step's transaction: the credentials as parameters, never as text. */
export function userMappingBind(resolved: ResolvedConnection): { sql: string; params: unknown[]; before: string } {
  return {
    sql: `SELECT set_config('${USER_SETTING}', $1, true), set_config('${PASSWORD_SETTING}', $2, true)`,
    params: [resolved.user, resolved.password ?? ''],
    before: HIDE_BIND_PARAMETERS_FROM_LOG,
  };
}

/** The DO block that creates the current role's mapping on `server` from the settings userMappingBind made. */
export function userMappingFromSettings(server: string, withPassword: boolean): string {
  const options = withPassword ? 'user %L, password %L' : 'user %L';
  const values = [
    `current_setting('${USER_SETTING}')`,
    ...(withPassword ? [`current_setting('${PASSWORD_SETTING}')`] : []),
  ];
  const template = literal(`CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (${options})`);
  return doBlockWithSecret(`format(${template}, ${literal(server)}, ${values.join(', ')})`, PASSWORD_SETTING, [
    USER_SETTING,
    PASSWORD_SETTING,
  ]);
}
