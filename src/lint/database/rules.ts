/**
 * The rules of `validate --database`: checks of a plan against the live schema. Each id is also
 * its page in docs/rules/. A step's `lint: { ignore: [...] }` suppresses them like static rules.
 */
import type { Severity } from '../types.js';

export interface DatabaseRule {
  severity: Severity;
  description: string;
}

export const DATABASE_RULES = {
  'db-missing-table': {
    severity: 'error',
    description: 'a step needs a table, view or index that neither exists nor is created by an earlier step',
  },
  'db-missing-column': {
    severity: 'error',
    description: 'a step reads or changes a column that the table does not have at that point of the plan',
  },
  'db-missing-type': {
    severity: 'error',
    description: 'a column type that the server does not know and no earlier step creates',
  },
  'db-missing-constraint': {
    severity: 'error',
    description: 'validating or dropping a constraint that does not exist (or cannot be validated)',
  },
  'db-missing-unique-key': {
    severity: 'error',
    description: 'a foreign key target, backfill key or concurrent refresh without the unique key it needs',
  },
  'db-column-exists-with-other-type': {
    severity: 'error',
    description: 'a column the plan adds already exists with another type',
  },
  'db-column-type-mismatch': {
    severity: 'error',
    description: "rename_column states a type that is not the column's type",
  },
  'db-name-taken': {
    severity: 'error',
    description: 'the name of an index, constraint, table or column the plan creates already belongs to something else',
  },
  'db-already-gone': {
    severity: 'warning',
    description: 'what a raw DROP … IF EXISTS drops is already gone (or a rename already happened)',
  },
  'db-already-exists': {
    severity: 'error',
    description:
      'an object a step creates already exists and the step does not adopt it (`if_exists: adopt`), or adopts one ' +
      'whose definition differs',
  },
  'db-missing-drop-target': {
    severity: 'error',
    description:
      'drop_column / drop_index / drop_table / drop_constraint of something that does not exist at that point of the plan ' +
      '(a typo drops nothing)',
  },
  'db-table-has-dependents': {
    severity: 'error',
    description:
      "drop_table of a table that views or other tables' foreign keys still depend on (DROP would need CASCADE)",
  },
  'db-view-dependents': {
    severity: 'warning',
    description:
      'replace_materialized_view of a view that views, materialized views or functions read (recursively): the swap ' +
      'recreates them, and refills a dependent materialized view (a refresh as its owner) under its lock (its size is shown)',
  },
  'db-view-dependent-unsupported': {
    severity: 'error',
    description:
      'replace_materialized_view of a view that something other than a view, materialized view or function ' +
      'depends on (a policy, a column of its row type…): the swap would refuse',
  },
  'db-constraint-in-use': {
    severity: 'error',
    description: 'drop_constraint of a primary key or unique constraint that foreign keys depend on',
  },
  'db-lock-not-shown': {
    severity: 'error',
    description: 'a step locks a table the plan does not name (drop_constraint of a foreign key: the referenced table)',
  },
  'db-partitioned-index': {
    severity: 'error',
    description: 'an online index build on a partitioned table, which PostgreSQL refuses',
  },
  'db-big-table-scan': {
    severity: 'warning',
    description:
      'a long scan of a big table that lets writes go on (VALIDATE, an online index build): how long to expect',
  },
  'db-big-table-lock': {
    severity: 'warning',
    description: 'a scan or rewrite of a big table under a lock that blocks writes or reads for its whole duration',
  },
  'db-matview-big-source': {
    severity: 'warning',
    description:
      "a materialized view built WITH DATA from a big table inside the step's transaction, which holds its locks " +
      'for the whole build',
  },
  'db-no-cron': {
    severity: 'error',
    description: 'schedule_refresh on a database that does not have the cron extension (it lives in one database)',
  },
  'db-volatile-default': {
    severity: 'error',
    description:
      'an add_column default calls a function or operator that the catalog declares VOLATILE: ADD COLUMN would ' +
      'rewrite the table',
  },
  'db-carry-lost': {
    severity: 'error',
    description:
      'change_type or rename_column would drop something attached to the old column (or fail at contract on a ' +
      'dependent)',
  },
  'db-source-url-missing': {
    severity: 'warning',
    description: 'the environment variable a view over another database reads its URL from is not set or malformed',
  },
  'db-server-version': {
    severity: 'error',
    description: 'a step needs a newer PostgreSQL than the server runs (or relies on behaviour it lacks)',
  },
  'db-in-flight-conflict': {
    severity: 'error',
    description:
      'the plan and a plan in flight on the database (started, not finished) touch the same table column, one of ' +
      'them writing it or contracting it (drop, rename, type change), and neither waits for the other (`after:`)',
  },
} as const satisfies Record<string, DatabaseRule>;

export type DatabaseRuleId = keyof typeof DATABASE_RULES;

export const DATABASE_RULE_IDS = Object.keys(DATABASE_RULES) as DatabaseRuleId[];
