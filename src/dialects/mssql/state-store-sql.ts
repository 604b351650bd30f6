/**
 * The state store's statements in T-SQL. Upserts are MERGE … WITH (HOLDLOCK): without the key-range
 * lock HOLDLOCK takes, two sessions can both find no row and both insert.
 * https://learn.microsoft.com/sql/t-sql/statements/merge-transact-sql#concurrency-considerations-for-merge
 */
export const STATE_EXISTS =
  "SELECT CONVERT(bit, CASE WHEN OBJECT_ID(N'schemashift.runs', N'U') IS NULL THEN 0 ELSE 1 END) AS ok";

export const UPSERT_RUN = `MERGE schemashift.runs WITH (HOLDLOCK) AS r
USING (SELECT $1 AS plan_name, $2 AS plan_file, $3 AS plan_hash, $4 AS started_by_user, $5 AS started_by_host,
  $6 AS started_by_pid) AS v ON r.plan_name = v.plan_name
WHEN MATCHED THEN UPDATE SET plan_file = v.plan_file, plan_hash = v.plan_hash,
  status = CASE WHEN r.status IN (N'done', N'rolled_back') THEN r.status ELSE N'running' END,
  started_by_user = v.started_by_user, started_by_host = v.started_by_host, started_by_pid = v.started_by_pid,
  updated_at = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT (plan_name, plan_file, plan_hash, status, started_by_user, started_by_host, started_by_pid)
  VALUES (v.plan_name, v.plan_file, v.plan_hash, N'running', v.started_by_user, v.started_by_host, v.started_by_pid);`;

/** `$2` the step definitions as a JSON array. */
export const UPSERT_STEPS = `MERGE schemashift.steps WITH (HOLDLOCK) AS t
USING (SELECT $1 AS plan_name, s.* FROM OPENJSON($2) WITH (step_id nvarchar(240), ordinal int, phase nvarchar(40),
  kind nvarchar(40), summary nvarchar(max), entry_id nvarchar(400), entry_hash nvarchar(200)) AS s) AS v
  ON t.plan_name = v.plan_name AND t.step_id = v.step_id
WHEN MATCHED THEN UPDATE SET ordinal = v.ordinal, phase = v.phase, kind = v.kind, summary = v.summary,
  entry_id = v.entry_id, entry_hash = v.entry_hash
WHEN NOT MATCHED THEN INSERT (plan_name, step_id, ordinal, phase, kind, summary, entry_id, entry_hash)
  VALUES (v.plan_name, v.step_id, v.ordinal, v.phase, v.kind, v.summary, v.entry_id, v.entry_hash);`;

/** `$2` the plan's step ids as a JSON array. */
export const DELETE_DROPPED_STEPS = `DELETE FROM schemashift.steps WHERE plan_name = $1 AND status = N'pending'
  AND step_id NOT IN (SELECT j.id FROM OPENJSON($2) WITH (id nvarchar(240) '$') AS j)`;

export const RESET_RUN =
  "UPDATE schemashift.runs SET status = N'running', phase = NULL, contract_started = 0, finished_at = NULL, " +
  'started_at = SYSUTCDATETIME(), updated_at = SYSUTCDATETIME() WHERE plan_name = $1';

export const PROBE_COMMIT = `MERGE schemashift.pace_probes WITH (HOLDLOCK) AS p
USING (SELECT $1 AS plan_name) AS v ON p.plan_name = v.plan_name
WHEN MATCHED THEN UPDATE SET at = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT (plan_name, at) VALUES (v.plan_name, SYSUTCDATETIME());`;

export const INSERT_EVENT =
  'INSERT INTO schemashift.events (plan_name, step_id, kind, message, actor, data) VALUES ($1, $2, $3, $4, $5, $6)';

export const RECORDED_PLAN = `SELECT TOP (1) JSON_QUERY(data, N'$.recorded') AS recorded FROM schemashift.events
WHERE plan_name = $1 AND kind = N'run-start' AND JSON_QUERY(data, N'$.recorded') IS NOT NULL ORDER BY id DESC`;

export const LAST_EVENTS = `SELECT e.* FROM (SELECT TOP ($2) * FROM schemashift.events WHERE plan_name = $1 ORDER BY id DESC) AS e
ORDER BY e.id`;

/** UPDLOCK held to the end of the step's transaction, as FOR UPDATE is in PostgreSQL. */
export const STEP_FOR_UPDATE =
  'SELECT * FROM schemashift.steps WITH (UPDLOCK, ROWLOCK) WHERE plan_name = $1 AND step_id = $2';
