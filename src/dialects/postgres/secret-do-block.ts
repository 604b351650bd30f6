/**
 * A statement that needs a password in its text (CREATE USER MAPPING, CREATE SUBSCRIPTION) is built
 * inside the server: the runner first binds the values into transaction-local settings, then this DO
 * block, whose own text holds no value, runs the statement with format('%L') from them, clears them,
 * and re-raises any error (a cancel too) without the statement it ran and with the password masked.
 * Uncaught, an error's context would quote the statement, password and all, to the client and the log.
 */

/** `format` is `format(<template>, <arguments>)`; `settings` are every setting the runner bound. */
export function doBlockWithSecret(format: string, passwordSetting: string, settings: string[]): string {
  const clear = `PERFORM ${settings.map((s) => `set_config('${s}', '', true)`).join(', ')};`;
  // query_canceled (a statement timeout, Ctrl-C) is not among OTHERS: it needs naming.
  const body = `
DECLARE
  v_state text;
  v_message text;
BEGIN
  BEGIN
    EXECUTE ${format};
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    v_state := SQLSTATE;
    v_message := SQLERRM;
    IF current_setting('${passwordSetting}') <> '' THEN
      v_message := replace(v_message, current_setting('${passwordSetting}'), '****');
    END IF;
    ${clear}
    RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_message;
  END;
  ${clear}
END
`;
  return `DO ${dollarQuoted(body)}`;
}

/** `body` in a dollar quote whose tag it does not contain. */
function dollarQuoted(body: string): string {
  let tag = '$schemashift$';
  for (let n = 1; body.includes(tag); n++) tag = `$schemashift${n}$`;
  return `${tag}${body}${tag}`;
}

/**
 * Sent before the statement that binds a secret, in its transaction: PostgreSQL 13+ logs bind parameters
 * with a statement it logs (log_statement, log_min_duration_statement) unless log_parameter_max_length is
 * 0, which only a superuser may set (a non-superuser, or PostgreSQL 12, keeps the server's setting).
 */
export const HIDE_BIND_PARAMETERS_FROM_LOG =
  `SELECT CASE WHEN current_setting('server_version_num')::int >= 130000 ` +
  `THEN set_config('log_parameter_max_length_on_error', '0', true) END, ` +
  `CASE WHEN current_setting('server_version_num')::int >= 130000 AND current_setting('is_superuser') = 'on' ` +
  `THEN set_config('log_parameter_max_length', '0', true) END`;
