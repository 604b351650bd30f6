/** The safe recipes PostgreSQL's messages offer, ready to paste into a plan. */
import type { PlanRecipes } from '../../parser.js';

export const postgresRecipes: PlanRecipes = {
  serialColumn: (table, column, base, sequence) =>
    `add it as \`type: ${base}\` without a default, then \`sql: { up: "CREATE SEQUENCE ${sequence} OWNED ` +
    `BY ${table}.${column}; ` +
    `ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT nextval('${sequence}')" }\`, and in migrate ` +
    `\`backfill: { table: ${table}, set: { ${column}: "nextval('${sequence}')" }, where: "${column} IS NULL" ` +
    `}\` (then set_not_null); ` +
    'an identity column cannot be added to a table with rows without a rewrite either',
  setDefaultLater: (table, column, defaultSql) =>
    `\`sql: { up: "ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT ${defaultSql}" }\``,
  volatileDefault: (table, column, type, defaultSql) =>
    `add the column without a default, then \`sql: { up: "ALTER TABLE ${table} ALTER COLUMN ${column} SET ` +
    `DEFAULT ${defaultSql}" }\` ` +
    `for new rows, and a \`backfill: { table: ${table}, set: { ${column}: "${defaultSql}" }, where: "${column} ` +
    `IS NULL" }\` ` +
    `in migrate for existing rows (type ${type})`,
  attachUnique: (table, name, index) => `ALTER TABLE ${table} ADD CONSTRAINT ${name} UNIQUE USING INDEX ${index}`,
  throttleQuery: "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
};
