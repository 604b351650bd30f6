/**
 * schemashift's own tables in SQL Server (schema `schemashift`), the same model as PostgreSQL's
 * (postgres/state-migrations.ts): versioned, each entry run once and recorded in
 * schemashift.state_version. JSON columns are nvarchar(max) with ISJSON checks; times are UTC
 * datetime2 (the mssql driver reads datetime2 as UTC). Keys are sized so a clustered key stays within
 * 900 bytes: plan_name nvarchar(200), step_id nvarchar(240). Each entry is a list of statements run
 * one by one with EXEC, since CREATE SCHEMA and CREATE TRIGGER must each be alone in their batch.
 * CHECKPOINT is a reserved word in T-SQL, so that column is always bracketed. Never edit a released
 * entry; append a new one.
 */
import { literal } from './sql-names.js';

export const MSSQL_STATE_MIGRATIONS: readonly { version: number; statements: readonly string[] }[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE schemashift.runs (
  plan_name          nvarchar(200) NOT NULL PRIMARY KEY,
  plan_file          nvarchar(max) NOT NULL,
  plan_hash          nvarchar(200) NOT NULL,
  status             nvarchar(40) NOT NULL,
  phase              nvarchar(40) NULL,
  contract_started   bit NOT NULL DEFAULT 0,
  started_by_user    nvarchar(256) NOT NULL,
  started_by_host    nvarchar(256) NOT NULL,
  started_by_pid     int NOT NULL,
  started_at         datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
  updated_at         datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
  finished_at        datetime2 NULL,
  paused             bit NOT NULL DEFAULT 0,
  pause_requested_by nvarchar(256) NULL
)`,
      `CREATE TABLE schemashift.steps (
  plan_name   nvarchar(200) NOT NULL REFERENCES schemashift.runs (plan_name) ON DELETE CASCADE,
  step_id     nvarchar(240) NOT NULL,
  ordinal     int NOT NULL,
  phase       nvarchar(40) NOT NULL,
  kind        nvarchar(40) NOT NULL,
  summary     nvarchar(max) NOT NULL,
  entry_id    nvarchar(400) NOT NULL,
  entry_hash  nvarchar(200) NOT NULL,
  status      nvarchar(40) NOT NULL DEFAULT N'pending',
  attempts    int NOT NULL DEFAULT 0,
  [checkpoint] nvarchar(max) NULL CHECK (ISJSON([checkpoint]) = 1),
  rows_done   bigint NOT NULL DEFAULT 0,
  rows_total  bigint NULL,
  started_at  datetime2 NULL,
  finished_at datetime2 NULL,
  last_error  nvarchar(max) NULL,
  waiting_on  nvarchar(max) NULL,
  PRIMARY KEY (plan_name, step_id)
)`,
      `CREATE TABLE schemashift.events (
  id        bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY,
  plan_name nvarchar(200) NOT NULL,
  step_id   nvarchar(240) NULL,
  at        datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
  kind      nvarchar(60) NOT NULL,
  message   nvarchar(max) NOT NULL,
  actor     nvarchar(256) NULL,
  data      nvarchar(max) NULL CHECK (ISJSON(data) = 1)
)`,
      'CREATE INDEX events_plan_at ON schemashift.events (plan_name, id)',
    ],
  },
  {
    // The events table is append-only: history that can be rewritten is no history.
    version: 2,
    statements: [
      `CREATE TRIGGER schemashift.events_append_only ON schemashift.events INSTEAD OF UPDATE, DELETE AS
BEGIN
  THROW 50000, N'schemashift.events is append-only', 1;
END`,
    ],
  },
  {
    version: 3,
    statements: [
      `CREATE TABLE schemashift.feature_flags (
  id          nvarchar(400) NOT NULL PRIMARY KEY,
  definition  nvarchar(max) NOT NULL CHECK (ISJSON(definition) = 1),
  updated_at  datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
  updated_by  nvarchar(256) NULL
)`,
      `EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'One row per feature flag; definition ` +
        `is the flag object of the Microsoft feature management schema (feature_management.feature_flags[]).', ` +
        `@level0type = N'SCHEMA', @level0name = N'schemashift', @level1type = N'TABLE', @level1name = N'feature_flags'`,
      // Results are any JSON value; ISJSON before 2022 accepts only objects and arrays, hence the brackets.
      `CREATE TABLE schemashift.shadow_mismatches (
  id          bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY,
  at          datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
  repository  nvarchar(400) NOT NULL,
  method      nvarchar(400) NOT NULL,
  args        nvarchar(max) NULL CHECK (ISJSON(CONCAT(N'[', args, N']')) = 1),
  old_result  nvarchar(max) NULL CHECK (ISJSON(CONCAT(N'[', old_result, N']')) = 1),
  new_result  nvarchar(max) NULL CHECK (ISJSON(CONCAT(N'[', new_result, N']')) = 1),
  error       nvarchar(max) NULL
)`,
      'CREATE INDEX shadow_mismatches_at ON schemashift.shadow_mismatches (at)',
    ],
  },
  {
    version: 4,
    statements: ['ALTER TABLE schemashift.steps ADD adopted bit NOT NULL DEFAULT 0'],
  },
  {
    version: 5,
    statements: [
      `CREATE TABLE schemashift.verify_mismatches (
  plan_name  nvarchar(200) NOT NULL,
  step_id    nvarchar(240) NOT NULL,
  seq        int NOT NULL,
  first_key  nvarchar(max) NOT NULL CHECK (ISJSON(first_key) = 1),
  last_key   nvarchar(max) NOT NULL CHECK (ISJSON(last_key) = 1),
  chunk_end  nvarchar(max) NOT NULL CHECK (ISJSON(chunk_end) = 1),
  [rows]     bigint NOT NULL,
  sample     nvarchar(max) NOT NULL DEFAULT N'[]' CHECK (ISJSON(sample) = 1),
  PRIMARY KEY (plan_name, step_id, seq),
  FOREIGN KEY (plan_name, step_id) REFERENCES schemashift.steps (plan_name, step_id) ON DELETE CASCADE
)`,
    ],
  },
  {
    version: 6,
    statements: [
      'ALTER TABLE schemashift.steps ADD pace nvarchar(max) NULL CONSTRAINT steps_pace_json CHECK (ISJSON(pace) = 1)',
      `CREATE TABLE schemashift.pace_probes (
  plan_name  nvarchar(200) NOT NULL PRIMARY KEY,
  at         datetime2 NOT NULL
)`,
    ],
  },
];

export const MSSQL_STATE_VERSION = MSSQL_STATE_MIGRATIONS[MSSQL_STATE_MIGRATIONS.length - 1]?.version ?? 0;

/** The applock every upgrade takes (transaction-owned: released at COMMIT or ROLLBACK). */
export const STATE_APPLOCK = 'schemashift.state';

/**
 * The whole upgrade as one batch in one transaction, under an exclusive applock so that two runners
 * starting together upgrade once: the schema and the version table if missing, then each entry not
 * yet recorded. Tables created earlier in the batch are resolved when each statement runs (deferred
 * name resolution); XACT_ABORT rolls everything back on any error.
 * https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
 */
export function ensureSchemaScript(): string {
  const lines = [
    'SET XACT_ABORT ON;',
    'BEGIN TRANSACTION;',
    'DECLARE @lock int;',
    `EXEC @lock = sys.sp_getapplock @Resource = ${literal(STATE_APPLOCK)}, @LockMode = N'Exclusive', ` +
      `@LockOwner = N'Transaction', @LockTimeout = 60000;`,
    `IF @lock < 0 THROW 50000, N'schemashift: timed out waiting for another runner to upgrade the state schema', 1;`,
    `IF SCHEMA_ID(N'schemashift') IS NULL EXEC(N'CREATE SCHEMA schemashift');`,
    `IF OBJECT_ID(N'schemashift.state_version', N'U') IS NULL CREATE TABLE schemashift.state_version ` +
      `(version int NOT NULL PRIMARY KEY, applied_at datetime2 NOT NULL DEFAULT SYSUTCDATETIME());`,
  ];
  for (const m of MSSQL_STATE_MIGRATIONS) {
    lines.push(`IF NOT EXISTS (SELECT 1 FROM schemashift.state_version WHERE version = ${m.version})`, 'BEGIN');
    for (const statement of m.statements) lines.push(`  EXEC(${literal(statement)});`);
    lines.push(`  INSERT INTO schemashift.state_version (version) VALUES (${m.version});`, 'END;');
  }
  lines.push('COMMIT TRANSACTION;');
  return lines.join('\n');
}
