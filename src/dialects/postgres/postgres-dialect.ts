import { postgresImporter } from './import/read-migration.js';
import type { Dialect } from '../dialect.js';
import { postgresActivity } from './activity.js';
import { postgresBackfill } from './backfill.js';
import { postgresDdl } from './ddl.js';
import { postgresDoctor } from './doctor.js';
import { postgresErrors } from './errors.js';
import { postgresIntrospect } from './introspect.js';
import { LOCK_IMPACT, type PostgresLockMode } from './lock-modes.js';
import { postgresNames } from './names.js';
import { postgresParser } from './parser.js';
import { postgresProbes } from './probes.js';
import { postgresRunnerLock } from './runner-lock.js';
import { postgresSession } from './session.js';
import { postgresState } from './state.js';
import { postgresReplication } from './replication.js';
import { postgresViewRefresh } from './view-refresh.js';

export { quoteIdent, quoteLiteral, quoteQualified } from './names.js';

export const postgres: Dialect = {
  name: 'postgres',
  capabilities: {
    transactionalDdl: true,
    onlineIndexBuild: true,
    deferredConstraintValidation: true,
    syncFillsBeforeConstraints: true,
    attachesIndexToConstraint: true,
  },
  ...postgresNames,
  lockImpact: (level) => LOCK_IMPACT[level as PostgresLockMode] ?? 'blocks-all',
  expressions: {
    distinct: (a, b) => `${a} IS DISTINCT FROM ${b}`,
    notDistinct: (a, b) => `${a} IS NOT DISTINCT FROM ${b}`,
    cast: (expression, type) => `${expression}::${type}`,
  },
  wording: {
    unvalidated: 'NOT VALID',
    setNotNull: (table, column, check) => `set ${table}.${column} NOT NULL (proved by ${check}, no scan)`,
  },
  ddl: postgresDdl,
  probes: postgresProbes,
  backfill: postgresBackfill,
  session: postgresSession,
  errors: postgresErrors,
  runnerLock: postgresRunnerLock,
  activity: postgresActivity,
  state: postgresState,
  introspect: postgresIntrospect,
  parser: postgresParser,
  doctor: postgresDoctor,
  viewRefresh: postgresViewRefresh,
  replication: postgresReplication,
  migrationImport: postgresImporter,
};
