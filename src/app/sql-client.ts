/**
 * The one thing the application side needs from a database driver: `query(text, params)` resolving
 * to `{ rows }`. A pg.Pool, a pg.Client and a PGlite instance all fit as they are, so application
 * code never pulls a driver in through schemashift.
 */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

const QUALIFIED_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

/** A table name from options, checked; anything but `name` or `schema.name` is refused. The dialect quotes it. */
export function checkedTableName(name: string, option: string): string {
  if (!QUALIFIED_NAME.test(name)) {
    throw new TypeError(
      `${option}: \`${name}\` is not a table name; expected a name such as feature_flags or schemashift.feature_flags`,
    );
  }
  return name;
}

/** The message of anything thrown, first line only (driver errors can carry a whole query). */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
