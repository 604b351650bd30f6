/**
 * schemashift's own tables in the target database (schema `schemashift`). Versioned: each entry
 * runs once, in order, recorded in schemashift.state_version, so later releases can upgrade them.
 * Never edit a released entry; append a new one.
 */
/** The events table is append-only: history that can be rewritten is no history. */
export const EVENTS_APPEND_ONLY_SQL = `
CREATE OR REPLACE FUNCTION schemashift.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'schemashift.events is append-only';
END $$;
DROP TRIGGER IF EXISTS events_append_only ON schemashift.events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON schemashift.events
  FOR EACH ROW EXECUTE FUNCTION schemashift.events_append_only();
`;

export const STATE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE schemashift.runs (
  plan_name        text PRIMARY KEY,
  plan_file        text NOT NULL,
  plan_hash        text NOT NULL,
  status           text NOT NULL,
  phase            text,
  contract_started boolean NOT NULL DEFAULT false,
  started_by_user  text NOT NULL,
  started_by_host  text NOT NULL,
  started_by_pid   integer NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  paused           boolean NOT NULL DEFAULT false,
  pause_requested_by text
);
CREATE TABLE schemashift.steps (
  plan_name   text NOT NULL REFERENCES schemashift.runs (plan_name) ON DELETE CASCADE,
  step_id     text NOT NULL,
  ordinal     integer NOT NULL,
  phase       text NOT NULL,
  kind        text NOT NULL,
  summary     text NOT NULL,
  entry_id    text NOT NULL,
  entry_hash  text NOT NULL,
  status      text NOT NULL DEFAULT 'pending',
  attempts    integer NOT NULL DEFAULT 0,
  checkpoint  jsonb,
  rows_done   bigint NOT NULL DEFAULT 0,
  rows_total  bigint,
  started_at  timestamptz,
  finished_at timestamptz,
  last_error  text,
  waiting_on  text,
  PRIMARY KEY (plan_name, step_id)
);
CREATE TABLE schemashift.events (
  id        bigserial PRIMARY KEY,
  plan_name text NOT NULL,
  step_id   text,
  at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind      text NOT NULL,
  message   text NOT NULL,
  actor     text,
  data      jsonb
);
CREATE INDEX events_plan_at ON schemashift.events (plan_name, id);
`,
  },
  { version: 2, sql: EVENTS_APPEND_ONLY_SQL },
  {
    version: 3,
    sql:
      `
CREATE TABLE schemashift.feature_flags (
  id          text PRIMARY KEY,
  definition  jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text
);
COMMENT ON TABLE schemashift.feature_flags IS 'One row per feature flag; definition is the flag object of the ` +
      `Microsoft feature management schema (feature_management.feature_flags[]).';
CREATE TABLE schemashift.shadow_mismatches (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  repository  text NOT NULL,
  method      text NOT NULL,
  args        jsonb,
  old_result  jsonb,
  new_result  jsonb,
  error       text
);
CREATE INDEX shadow_mismatches_at ON schemashift.shadow_mismatches (at);
`,
  },
  {
    // Whether a step found its object already in place and took it over (`if_exists: adopt`): rollback never removes
    // it.
    version: 4,
    sql: `ALTER TABLE schemashift.steps ADD COLUMN adopted boolean NOT NULL DEFAULT false;`,
  },
  {
    // A verify step's findings: key ranges where new and old values differ (keys as JSON arrays of text).
    version: 5,
    sql: `
CREATE TABLE schemashift.verify_mismatches (
  plan_name  text NOT NULL,
  step_id    text NOT NULL,
  seq        integer NOT NULL,
  first_key  jsonb NOT NULL,
  last_key   jsonb NOT NULL,
  chunk_end  jsonb NOT NULL,
  rows       bigint NOT NULL,
  sample     jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (plan_name, step_id, seq),
  FOREIGN KEY (plan_name, step_id) REFERENCES schemashift.steps (plan_name, step_id) ON DELETE CASCADE
);
`,
  },
  {
    // An adaptive backfill's pace (size, delay, the last change and why), and the row its probe commits rewrite.
    version: 6,
    sql: `
ALTER TABLE schemashift.steps ADD COLUMN pace jsonb;
CREATE TABLE schemashift.pace_probes (
  plan_name  text PRIMARY KEY,
  at         timestamptz NOT NULL
);
`,
  },
  {
    // Materialized view refreshes, by whoever ran them (\`schemashift refresh\`, a plan step, a pg_cron job), and the
    // staleness each view may reach before \`doctor\` warns. Views are named by schema and name, unquoted.
    version: 7,
    sql: `
CREATE TABLE schemashift.view_refreshes (
  id           bigserial PRIMARY KEY,
  view_schema  text NOT NULL,
  view_name    text NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  duration_ms  bigint,
  rows         bigint,
  mode         text NOT NULL CHECK (mode IN ('concurrently', 'blocking')),
  outcome      text NOT NULL CHECK (outcome IN ('ok', 'failed')),
  error        text,
  source       text NOT NULL,
  actor        text
);
CREATE INDEX view_refreshes_view ON schemashift.view_refreshes (view_schema, view_name, id);
CREATE TABLE schemashift.view_policies (
  view_schema    text NOT NULL,
  view_name      text NOT NULL,
  max_staleness  interval NOT NULL,
  declared_by    text NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (view_schema, view_name)
);
`,
  },
];

export const STATE_VERSION = STATE_MIGRATIONS[STATE_MIGRATIONS.length - 1]?.version ?? 0;
