/** SQL Server (2019, 2022, Azure SQL): the parts of src/dialects/mssql/ behind the Dialect interface. */
import { mssqlImportRefusal } from './import-refusal.js';
import type { Dialect } from '../dialect.js';
import { mssqlActivity } from './activity.js';
import { mssqlBackfill } from './backfill.js';
import { notDistinctSql } from './backfill-verify.js';
import { mssqlCapabilities } from './capabilities.js';
import { mssqlDdl } from './ddl.js';
import { mssqlDoctor } from './doctor.js';
import { mssqlErrors } from './errors.js';
import { mssqlIntrospectParts } from './introspect.js';
import { lockImpact } from './lock-modes.js';
import { mssqlNames } from './names.js';
import { mssqlParser } from './parser.js';
import { mssqlProbes } from './probes.js';
import { mssqlRunnerLock } from './runner-lock.js';
import { mssqlSession } from './session.js';
import { mssqlState } from './state.js';
import { mssqlReplication } from './replication.js';
import { mssqlViewRefresh } from './view-refresh.js';
import { mssqlRehearsal } from './rehearse.js';
import { mssqlSimulatorMissing } from './unavailable.js';

export const mssql: Dialect = {
  name: 'mssql',
  capabilities: mssqlCapabilities,
  ...mssqlNames,
  lockImpact,
  expressions: {
    distinct: (a, b) => `NOT ${notDistinctSql(a, b)}`,
    notDistinct: notDistinctSql,
    cast: (expression, type) => `CAST(${expression} AS ${type})`,
  },
  wording: {
    unvalidated: 'WITH NOCHECK',
    setNotNull: (table, column) =>
      `set ${table}.${column} NOT NULL (ALTER COLUMN reads every row; online where the edition allows)`,
  },
  ddl: mssqlDdl(),
  probes: mssqlProbes,
  backfill: mssqlBackfill,
  session: mssqlSession,
  errors: mssqlErrors,
  runnerLock: mssqlRunnerLock,
  activity: mssqlActivity,
  state: mssqlState,
  introspect: { ...mssqlIntrospectParts, simulate: mssqlSimulatorMissing, rehearsal: mssqlRehearsal },
  parser: mssqlParser,
  doctor: mssqlDoctor,
  viewRefresh: mssqlViewRefresh,
  replication: mssqlReplication,
  migrationImport: mssqlImportRefusal,
};
