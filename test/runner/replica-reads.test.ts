/**
 * Read replicas with a real streaming standby of the local PostgreSQL: a verify with `on: replica`
 * reads its chunks on the standby (seen in the standby's pg_stat_activity under the runner's
 * application_name) and never on rows older than the primary's (replay paused: it waits, then finds
 * the row changed on the primary); a contract DROP waits while the standby's replay is paused and
 * goes on after it resumes; `doctor --replica` reports each standby's own lag, a paused one, an
 * unreachable one and a server that is no standby. `on: replica` without `--replica` is refused
 * before anything runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import type { SqlStep, VerifyStep } from '../../src/operations/types.js';
import type { RunContext } from '../../src/runner/context.js';
import { openReplicas } from '../../src/cli/replicas.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { readWithConflictRetries, waitForReplay } from '../../src/runner/replica-read.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { holdForReplicasBeforeDdl, ReplicaWaitTimeout } from '../../src/runner/replica-wait.js';
import { runnerApplicationName } from '../../src/runner/runner-lock.js';
import { cli } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { writePlan } from './cli-process.js';
import { sleep, waitFor } from './seed.js';
import { caughtUp, standbyUnavailable, startStandby, type Standby } from './standby.js';

const unavailable = postgresAdminUrl ? await standbyUnavailable(postgresAdminUrl) : 'no PostgreSQL for tests';
if (unavailable)
  console.warn(`\n!!! SKIPPING the read-replica tests (test/runner/replica-reads.test.ts): ${unavailable} !!!\n`);

const ROWS = 3000;

/** `slow`: every thousandth row takes 0.3 s to read, so that a chunk is seen at work. */
function verifyPlan(name: string, slow = false): string {
  return writePlan(`
name: ${name}
phases:
  migrate:
    - verify:
        table: items
        compare: { price_cents: price * 100 }
        on: replica
        batch: { size: 100, delay: 100ms }${slow ? '\n        where: "id % 1000 <> 0 OR pg_sleep(0.3) IS NOT NULL"' : ''}
`);
}

describe.skipIf(postgresAdminUrl === null)('verify on: replica without --replica', () => {
  it('exits 2 before connecting, saying to pass --replica', async () => {
    const db = await createPostgresDatabase('schemashift_replica_refused');
    try {
      await db.exec('CREATE TABLE items (id int PRIMARY KEY, price int NOT NULL, price_cents int)');
      const result = await cli(['run', verifyPlan('verify-no-replica'), '--database', db.url!, '--yes']);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(/reads on a replica \(on: replica\), but no --replica was given: nothing was run/);
      expect(result.stderr).toMatch(/--replica postgres:\/\//);
      const rows = await db.query<{ state: string | null }>("SELECT to_regclass('schemashift.runs')::text AS state");
      expect(rows[0]?.state, 'no state was written').toBeNull();
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(unavailable !== null)('read replicas with a real streaming standby', () => {
  let standby: Standby | undefined;
  let db: TestDatabase;
  let primary: Connection;
  let replica: Connection;
  let database: string;
  let writing = false;
  let writer: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    standby = await startStandby(postgresAdminUrl!);
    db = await createPostgresDatabase('schemashift_replica_reads');
    database = new URL(db.url!).pathname.slice(1);
    primary = await connect(db.url!);
    await db.exec(`CREATE TABLE items (id int PRIMARY KEY, price int NOT NULL, price_cents int, legacy text);
      INSERT INTO items (id, price, price_cents) SELECT g, g % 500, (g % 500) * 100 FROM generate_series(1, ${ROWS}) g;
      CREATE TABLE wal_filler (at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await caughtUp(postgresAdminUrl!, standby);
    replica = await connect(standby.url(database));
  });

  afterAll(async () => {
    writing = false;
    await writer;
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await replica?.close();
    await primary?.close();
    await standby?.stop();
    await db?.close();
  });

  const replicaName = () => `127.0.0.1:${standby!.port}`;

  async function pauseReplay(): Promise<void> {
    await replica.query('SELECT pg_wal_replay_pause()');
    await waitFor(
      'replay to pause',
      async () =>
        (await replica.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0]?.s === 'paused',
    );
  }

  /** Writes on the primary every 100 ms, so that WAL keeps reaching the standby (its lag grows while paused). */
  function generateWal(): void {
    writing = true;
    writer = (async () => {
      while (writing) {
        await db.exec('INSERT INTO wal_filler DEFAULT VALUES');
        await sleep(100);
      }
    })();
  }

  async function events(plan: string): Promise<{ kind: string; message: string }[]> {
    const { rows } = await primary.query<{ kind: string; message: string }>(
      'SELECT kind, message FROM schemashift.events WHERE plan_name = $1 ORDER BY id',
      [plan],
    );
    return rows;
  }

  it('reads the verify chunks on the standby, checkpoints on the primary, and says where it ran', async () => {
    const plan = 'verify-on-replica';
    const file = verifyPlan(plan, true);
    const running = cli(['run', file, '--database', db.url!, '--replica', standby!.url(database)]);
    let finished = false;
    void running.then(() => (finished = true));
    // A slow chunk is seen at work on the standby, on the runner's backend there.
    const seen = await waitFor(
      "the verify's chunk statement in the standby's pg_stat_activity",
      async () => {
        const { rows } = await replica.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = $1 AND application_name = $2 AND query LIKE '%price_cents%' AND query LIKE '%items%'`,
          [database, runnerApplicationName(plan)],
        );
        return (rows[0]?.n ?? 0) > 0 || finished ? { n: rows[0]?.n ?? 0, finished } : false;
      },
      30_000,
    );
    // Meanwhile the primary runs no chunk statement (its chunks are all on the standby).
    let onPrimary = 0;
    while (!finished) {
      const { rows } = await primary.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND state = 'active' AND query LIKE '%price_cents%' AND pid <> pg_backend_pid()`,
        [database],
      );
      onPrimary += rows[0]?.n ?? 0;
      await sleep(50);
    }
    expect(onPrimary, 'no chunk was read on the primary').toBe(0);
    const result = await running;
    expect(seen, `the chunk was seen on the standby before the run ended: ${result.stdout}${result.stderr}`).toEqual({
      n: 1,
      finished: false,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const log = await events(plan);
    const start = log.find((e) => e.kind === 'verify-start');
    expect(start?.message).toContain(`reading on replica ${replicaName()}`);
    expect(log.find((e) => e.kind === 'verify-done')?.message).toMatch(
      new RegExp(`^verified ${ROWS} rows of items on replica 127\\.0\\.0\\.1:${standby!.port}: none differs`),
    );
    const { rows } = await primary.query<{ status: string; checkpoint: { batches: number } }>(
      "SELECT status, checkpoint FROM schemashift.steps WHERE plan_name = $1 AND kind = 'verify'",
      [plan],
    );
    expect(rows[0]?.status).toBe('done');
    expect(rows[0]?.checkpoint.batches, 'chunks were recorded on the primary').toBeGreaterThan(1);
    const status = await cli(['status', file, '--database', db.url!]);
    expect(status.stdout).toContain(`read on replica ${replicaName()}`);
    const json = await cli(['status', file, '--database', db.url!, '--json']);
    expect(json.stdout).toContain(`"read_on": "replica ${replicaName()}"`);
  });

  it('never compares old rows: with replay paused it waits, and after resume finds the row the primary changed', async () => {
    const plan = 'verify-on-paused-replica';
    await pauseReplay();
    await db.exec('UPDATE items SET price_cents = -1 WHERE id = 7');
    const running = cli(['run', verifyPlan(plan), '--database', db.url!, '--replica', standby!.url(database)]);
    const wait = await waitFor('the verify to wait for the paused standby', async () => {
      const found = (await events(plan).catch(() => [])).find((e) => e.kind === 'replica-wait');
      return found?.message;
    });
    expect(wait).toContain(`replica ${replicaName()}`);
    expect(wait).toContain('pg_wal_replay_resume()');
    await replica.query('SELECT pg_wal_replay_resume()');
    const result = await running;
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/differ/);
    const failed = (await events(plan)).find((e) => e.kind === 'verify-failed');
    expect(failed?.message).toMatch(/\b7\b/);
    await db.exec('UPDATE items SET price_cents = price * 100 WHERE id = 7');
  });

  it('holds a contract DROP while the standby replay is paused, naming it, and drops after resume', async () => {
    const plan = 'drop-legacy-with-replica';
    const file = writePlan(`
name: ${plan}
phases:
  contract:
    - drop_column: { table: items, column: legacy }
`);
    await pauseReplay();
    generateWal();
    const running = cli(['run', file, '--database', db.url!, '--replica', standby!.url(database), '--yes']);
    const wait = await waitFor('the contract step to wait for the paused standby', async () => {
      const found = (await events(plan).catch(() => [])).find((e) => e.kind === 'replica-wait');
      return found?.message;
    });
    expect(wait).toMatch(
      new RegExp(`^before drop column items\\.legacy.*: waiting: replica 127\\.0\\.0\\.1:${standby!.port} lags`),
    );
    const { rows: waitingOn } = await primary.query<{ waiting_on: string | null }>(
      'SELECT waiting_on FROM schemashift.steps WHERE plan_name = $1',
      [plan],
    );
    expect(waitingOn.map((r) => r.waiting_on)).toContainEqual(expect.stringContaining(`replica ${replicaName()}`));
    await sleep(1500);
    const column =
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'legacy'";
    expect((await primary.query<{ n: number }>(column)).rows[0]?.n, 'not dropped while the standby is paused').toBe(1);

    await replica.query('SELECT pg_wal_replay_resume()');
    const result = await running;
    writing = false;
    await writer;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await primary.query<{ n: number }>(column)).rows[0]?.n).toBe(0);
    expect((await events(plan)).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['replica-wait', 'replica-wait-clear']),
    );
    await caughtUp(postgresAdminUrl!, standby!);
    expect((await replica.query<{ n: number }>(column)).rows[0]?.n).toBe(0);
  });

  it('doctor --replica reports each standby: its lag, paused replay, unreachable, not a standby; never a password', async () => {
    const withPassword = standby!.url(database).replace('postgres@', 'postgres:sekrit-pw@');
    const ok = await cli(['doctor', '--database', db.url!, '--replica', withPassword, '--json']);
    const okReport = JSON.parse(ok.stdout) as { checks: { id: string; status: string; details: unknown[] }[] };
    expect(okReport.checks.filter((c) => c.id === 'replica')).toEqual([
      expect.objectContaining({
        status: 'ok',
        details: [
          expect.objectContaining({
            replica: replicaName(),
            standby: true,
            paused: false,
            lagSeconds: expect.any(Number),
          }),
        ],
      }),
    ]);

    await pauseReplay();
    generateWal();
    await waitFor('the paused standby to lag 1s', async () => {
      const { rows } = await replica.query<{ ms: number }>(
        'SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 AS ms',
      );
      return Number(rows[0]?.ms) > 1000;
    });
    const args = [
      'doctor',
      '--database',
      db.url!,
      '--replica',
      withPassword,
      '--replica',
      'postgres://someone:sekrit-pw@127.0.0.1:1/nowhere',
      '--replica',
      db.url!,
    ];
    const json = await cli([...args, '--json', '--replica-lag', '500ms']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      status: string;
      checks: { id: string; status: string; finding: string; details: Record<string, unknown>[] }[];
    };
    const replicas = report.checks.filter((c) => c.id === 'replica');
    expect(replicas.map((c) => c.status)).toEqual(['fail', 'fail', 'fail']);
    expect(replicas[0]?.finding).toMatch(/^replay is paused, lag [\d.]+s/);
    expect(replicas[0]?.details[0]).toMatchObject({ replica: replicaName(), paused: true });
    expect(Number(replicas[0]?.details[0]?.lagSeconds)).toBeGreaterThan(1);
    expect(replicas[1]?.finding).toMatch(/^unreachable: /);
    expect(replicas[1]?.details[0]).toMatchObject({ replica: '127.0.0.1:1', reachable: false });
    expect(replicas[2]?.finding).toMatch(/is not a standby/);
    const text = await cli([...args, '--replica-lag', '500ms']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`FAIL\\s+replica 127\\.0\\.0\\.1:${standby!.port}\\s+replay is paused`));
    expect(text.stdout).toContain('pg_wal_replay_resume()');
    for (const out of [ok, json, text]) expect(out.stdout + out.stderr).not.toContain('sekrit-pw');
    console.log(
      text.stdout
        .split('\n')
        .filter((l) => l.includes('replica '))
        .join('\n'),
    );

    await replica.query('SELECT pg_wal_replay_resume()');
    writing = false;
    await writer;
  });

  /** What the replica reads need of a run: the primary, the dialect, and where messages and events go. */
  function readContext(): { ctx: RunContext; said: string[]; recorded: { kind: string; message: string }[] } {
    const said: string[] = [];
    const recorded: { kind: string; message: string }[] = [];
    const ctx = {
      conn: primary,
      monitor: primary,
      dialect: postgres,
      plan: { plan: { name: 'replica-reads' }, dialect: postgres, phases: [] },
      replicas: [{ name: replicaName(), db: replica }],
      actor: { user: 'test', host: 'test', pid: process.pid },
      signal: new AbortController().signal,
      emit: (e: { type: string; message?: string }) => void (e.message !== undefined && said.push(e.message)),
      store: {
        event: (_plan: string, _step: string, kind: string, message: string) =>
          Promise.resolve(void recorded.push({ kind, message })),
        setStep: () => Promise.resolve(),
      },
    } as unknown as RunContext;
    return { ctx, said, recorded };
  }
  const step = { id: 'verify:items', table: 'items' } as VerifyStep;

  it("waits before a chunk until the standby has replayed the primary's position, saying so", async () => {
    const { ctx, said, recorded } = readContext();
    await pauseReplay();
    await db.exec('INSERT INTO wal_filler DEFAULT VALUES');
    let replayed = false;
    const waiting = waitForReplay(ctx, step, { name: replicaName(), db: replica }).then(() => (replayed = true));
    await sleep(2500);
    expect(replayed, 'no chunk may read while replay is behind the primary').toBe(false);
    expect(said).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^verify:items waiting for replay: replica 127\\.0\\.0\\.1:${standby!.port} has replayed up to \\S+, the primary is at \\S+ \\(replay is paused there`,
        ),
      ),
    );
    expect(recorded.map((r) => r.kind)).toEqual(['replica-replay-wait']);
    await replica.query('SELECT pg_wal_replay_resume()');
    await waiting;
    expect(replayed).toBe(true);
  });

  it('reads again after the standby cancels the read for a recovery conflict (SQLSTATE 40001)', async () => {
    const { ctx, said, recorded } = readContext();
    await replica.query("ALTER SYSTEM SET max_standby_streaming_delay = '100ms'");
    await replica.query('SELECT pg_reload_conf()');
    const errors: string[] = [];
    let attempts = 0;
    try {
      const n = await readWithConflictRetries(ctx, step, { name: replicaName(), db: replica }, async () => {
        attempts++;
        if (attempts > 1)
          return (await replica.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]?.n;
        // Holds ACCESS SHARE on items on the standby while the primary's ACCESS EXCLUSIVE is replayed there.
        const slow = replica.query('SELECT count(*) FROM items, pg_sleep(10)');
        await sleep(300);
        await db.exec('BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; COMMIT');
        return slow.catch((e: Error & { code?: string }) => {
          errors.push(`${e.code}: ${e.message}`);
          throw e;
        }) as never;
      });
      expect(n).toBe(ROWS);
    } finally {
      await replica.query('ALTER SYSTEM RESET max_standby_streaming_delay');
      await replica.query('SELECT pg_reload_conf()');
    }
    expect(errors).toEqual([expect.stringMatching(/^40001: canceling statement due to conflict with recovery/)]);
    expect(attempts).toBe(2);
    expect(said).toContainEqual(
      expect.stringMatching(
        /^verify:items: chunk read on replica \S+ cancelled by a recovery conflict \(canceling statement due to conflict with recovery\): again in \d+ms$/,
      ),
    );
    expect(recorded.map((r) => r.kind)).toEqual(['replica-conflict']);
  });

  it('gives up on a contract DROP after its bounded wait for a paused standby, with nothing done', async () => {
    const { ctx, said } = readContext();
    const drop = {
      id: 'drop:items.legacy2',
      phase: 'contract',
      kind: 'sql',
      summary: 'drop column items.legacy2',
      sql: 'ALTER TABLE items DROP COLUMN legacy2',
      lock: { level: 'ACCESS EXCLUSIVE', impact: 'blocks-all', on: ['items'] },
      transactional: true,
    } as SqlStep;
    await pauseReplay();
    try {
      const held = holdForReplicasBeforeDdl(ctx, drop, 1500);
      await expect(held).rejects.toThrow(ReplicaWaitTimeout);
      await expect(held).rejects.toThrow(
        new RegExp(
          `^before drop column items\\.legacy2: gave up after waiting 1\\.5s: replica 127\\.0\\.0\\.1:${standby!.port} lags .*pg_wal_replay_resume\\(\\)\\); nothing of drop:items\\.legacy2 was done$`,
        ),
      );
      // Only contract steps wait: the same statement in another phase goes at once, paused standby or not.
      await holdForReplicasBeforeDdl(readContext().ctx, { ...drop, phase: 'migrate' }, 1);
      expect(said[0]).toMatch(/^drop:items\.legacy2 waiting before drop column items\.legacy2: replica /);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    await holdForReplicasBeforeDdl(readContext().ctx, drop, 5_000);
  });

  it("refuses a --replica URL on another database of the primary's cluster: run exits 2 before anything runs, doctor fails", async () => {
    const plan = 'verify-on-other-database';
    const otherDatabase = standby!.url('postgres');
    const result = await cli(['run', verifyPlan(plan), '--database', db.url!, '--replica', otherDatabase, '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(
      `--replica ${replicaName()} is connected to database postgres, the primary to ${database}: give the same database in its URL; nothing was run`,
    );
    expect(await events(plan), 'nothing of the plan ran').toEqual([]);
    const doctor = await cli(['doctor', '--database', db.url!, '--replica', otherDatabase, '--json']);
    expect(doctor.code).toBe(1);
    const report = JSON.parse(doctor.stdout) as { checks: { id: string; status: string; finding: string }[] };
    expect(report.checks.filter((c) => c.id === 'replica')).toEqual([
      expect.objectContaining({ status: 'fail', finding: expect.stringMatching(/is connected to database postgres/) }),
    ]);
  });

  it('a standby that receives no WAL: a contract drop_column waits on positions and fails bounded, nothing dropped; doctor fails it', async () => {
    const { rows } = await replica.query<{ conninfo: string }>(
      "SELECT current_setting('primary_conninfo') AS conninfo",
    );
    const conninfo = rows[0]!.conninfo;
    const setConninfo = async (value: string) => {
      const sql = await replica.query<{ s: string }>(
        "SELECT format('ALTER SYSTEM SET primary_conninfo = %L', $1::text) AS s",
        [value],
      );
      await replica.query(sql.rows[0]!.s);
      await replica.query('SELECT pg_reload_conf()');
    };
    const receiving = async () =>
      (
        await replica.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_wal_receiver WHERE status = 'streaming'",
        )
      ).rows[0]?.n === 1;
    await db.exec('ALTER TABLE items ADD COLUMN legacy3 text');
    await setConninfo('host=127.0.0.1 port=1 user=postgres');
    try {
      await waitFor('the standby to stop receiving WAL', async () => !(await receiving()));
      await db.exec('INSERT INTO wal_filler SELECT FROM generate_series(1, 1000)');
      const compiled = compilePlan(
        await parsePlan(
          'p.yaml',
          'name: drop-with-disconnected-replica\nphases:\n  contract:\n    - drop_column: { table: items, column: legacy3 }\n',
        ),
      );
      const opened = await openReplicas([standby!.url(database)], 'replica-test', postgres.activity, primary);
      const said: string[] = [];
      const since = performance.now();
      const outcome = await runPlan(primary, compiled, {
        mode: 'run',
        acceptDrift: false,
        answers: { yes: true },
        emit: (e) => void ('message' in e && typeof e.message === 'string' && said.push(e.message)),
        signal: new AbortController().signal,
        command: (verb) => `schemashift ${verb} p.yaml`,
        replicas: opened.replicas,
        replicaWaitMs: 1500,
      }).finally(() => opened.close());
      expect(performance.now() - since, 'it waited the bound, and no longer').toBeLessThan(15_000);
      expect(outcome).toMatchObject({ kind: 'failed', stepId: expect.stringContaining('legacy3') });
      expect((outcome as { error: string }).error).toMatch(
        new RegExp(
          `gave up after waiting 1\\.5s: replica 127\\.0\\.0\\.1:${standby!.port} has replayed up to \\S+, the primary was at \\S+ when the wait began \\(it receives no WAL\\); nothing of`,
        ),
      );
      expect(said).toContainEqual(expect.stringMatching(/waiting before drop column items\.legacy3.*receives no WAL/));
      const column = await primary.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'legacy3'",
      );
      expect(column.rows[0]?.n, 'the column was not dropped').toBe(1);
      const doctor = await cli(['doctor', '--database', db.url!, '--replica', standby!.url(database), '--json']);
      expect(doctor.code).toBe(1);
      const report = JSON.parse(doctor.stdout) as { checks: { id: string; status: string; finding: string }[] };
      expect(report.checks.filter((c) => c.id === 'replica')).toEqual([
        expect.objectContaining({ status: 'fail', finding: expect.stringMatching(/^not receiving WAL/) }),
      ]);
    } finally {
      await setConninfo(conninfo);
    }
    await waitFor('the standby to stream again', receiving, 30_000);
    await caughtUp(postgresAdminUrl!, standby!);
    await holdForReplicasBeforeDdl(
      readContext().ctx,
      {
        id: 'd',
        phase: 'contract',
        kind: 'sql',
        summary: 'd',
        sql: '',
        lock: { level: 'ACCESS EXCLUSIVE', impact: 'blocks-all', on: [] },
        transactional: true,
      } as unknown as SqlStep,
      5_000,
    );
  });
});
