/** What `validate --database` tells people in PostgreSQL's own words (statements, SQLSTATEs). */
import type { DatabaseAdvice } from '../../simulate.js';

export const postgresAdvice: DatabaseAdvice = {
  addBatchKey: () =>
    'add a primary key (a unique index built CONCURRENTLY, then ADD PRIMARY KEY USING INDEX), ' +
    'or give `key:` naming NOT NULL columns that are unique together',
  foreignKeyTargetNotUnique: (target, columns) =>
    `${target} (${columns}) has no primary key or unique constraint: PostgreSQL refuses a foreign key to it (42830)`,
  refreshNeedsUniqueIndex: (view) => ({
    message: `${view} has no unique index on plain columns without WHERE: REFRESH … CONCURRENTLY fails (55000)`,
    help:
      `add one first (CREATE UNIQUE INDEX CONCURRENTLY … ON ${view} (<key columns>)), ` +
      'or refresh without concurrently (readers then wait)',
  }),
};
