/**
 * Drift: a plan edited after its run started is refused with what changed, key by key (old → new),
 * read back from the run-start event; the contract confirmation names what contract drops.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { connect, type Connection } from '../../src/db/index.js';
import { DriftError } from '../../src/errors.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { describeDrift, planDrift, recordPlan } from '../../src/runner/drift.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan, type RunOptions } from '../../src/runner/run-plan.js';

import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';

const PLAN = (type: string, extra = '') => `name: drift-demo
settings: { lock_timeout: 2s }
phases:
  expand:
    - add_column: { table: users, column: { name: nickname, type: ${type}${extra} } }
  contract:
    - drop_column: { table: users, column: legacy_login }
`;

const options = (yes: boolean, acceptDrift = false): RunOptions => ({
  mode: 'run',
  acceptDrift,
  answers: { yes },
  emit: () => undefined,
  signal: new AbortController().signal,
  command: (verb, extra) => `schemashift ${verb} drift.yaml${extra ? ` ${extra}` : ''}`,
});

const compile = async (yaml: string) => compilePlan(await parsePlan('drift.yaml', yaml));

describe('drift on PostgreSQL', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_drift');
    await db.exec('CREATE TABLE users (id bigint PRIMARY KEY, legacy_login text)');
    conn = await connect(db.url!);
  });
  afterEach(async () => {
    await conn.close();
    await db.close();
  });

  it('the contract confirmation lists what will be dropped, and drift names each changed key, old → new', async () => {
    const first = await runPlan(conn, await compile(PLAN('text')), options(false));
    expect(first.kind).toBe('gate');
    if (first.kind !== 'gate') return;
    expect(first.message).toContain('It drops:\n  - column users.legacy_login');

    const edited = await compile(PLAN('varchar(40)', ', nullable: true'));
    const refused = await runPlan(conn, edited, options(false)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DriftError);
    const message = (refused as Error).message;
    expect(message).toMatch(/changed +add_column:users\.nickname \(line 5\) — recorded as done/);
    expect(message).toContain('column.type: "text" → "varchar(40)" (line 5)');
    expect(message).toContain('column.nullable: (absent) → true');
    expect(message).not.toContain('drop_column');

    // Accepted: the drift event keeps the keys, and the next edit is compared with the accepted plan.
    await runPlan(conn, edited, options(false, true));
    const events = await postgres.state.openStore(conn).events('drift-demo');
    const accepted = events.find((e) => e.kind === 'drift-accepted');
    expect(JSON.stringify(accepted?.data)).toContain('"key":"column.type"');
    const third = await compile(
      `${PLAN('varchar(40)', ', nullable: true')}    - drop_column: { table: users, column: other }\n`,
    );
    const again = (await runPlan(conn, third, options(false)).catch((e: unknown) => e)) as Error;
    expect(again.message).toMatch(/added +drop_column:users\.other/);
    expect(again.message).not.toContain('varchar');
  });

  it('an edit that points a finished step at another object is refused by --accept-drift and by rollback; the other column keeps its data', async () => {
    await db.exec(
      "ALTER TABLE users ADD COLUMN nickname text; INSERT INTO users SELECT g, 'l' || g, 'nick' || g FROM generate_series(1, 100) g",
    );
    const yaml = (column: string) =>
      `name: nick\nphases:\n  expand:\n    - add_column: { table: users, column: { name: ${column}, type: text } }\n      id: add-nick\n`;
    const original = await compile(yaml('nick'));
    expect(await runPlan(conn, original, options(true))).toEqual({ kind: 'done' });
    const edited = await compile(yaml('nickname'));
    const refused = (await runPlan(conn, edited, options(true, true)).catch((e: unknown) => e)) as DriftError;
    expect(refused).toBeInstanceOf(DriftError);
    expect(refused.exitCode).toBe(2);
    expect(refused.message).toContain('--accept-drift refused');
    expect(refused.message).toContain(
      'add-nick (line 4): add-nick is done, and the edit changes what its rollback undoes',
    );
    expect(refused.hint).toContain('roll back first');
    const rollbackOptions = {
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: (verb: string) => `schemashift ${verb} drift.yaml`,
    };
    const wrongRollback = (await rollbackPlan(conn, edited, rollbackOptions).catch((e: unknown) => e)) as DriftError;
    expect(wrongRollback).toBeInstanceOf(DriftError);
    expect(wrongRollback.message).toContain('nothing was undone');
    expect((await conn.query<{ n: string }>('SELECT count(nickname) AS n FROM users')).rows[0]?.n).toBe('100');
    expect(await rollbackPlan(conn, original, rollbackOptions)).toMatchObject({
      kind: 'rolled-back',
      undone: ['add-nick/undo'],
    });
    const columns = (
      await conn.query<{ attname: string }>(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
      )
    ).rows.map((r) => r.attname);
    expect(columns).toEqual(['id', 'legacy_login', 'nickname']);
    expect((await conn.query<{ n: string }>('SELECT count(nickname) AS n FROM users')).rows[0]?.n).toBe('100');
  });
});

function doneRows(compiled: Awaited<ReturnType<typeof compile>>) {
  return compiled.phases
    .flatMap((p) => p.steps)
    .map(({ step, entry }, ordinal) => ({
      plan_name: 'drift-demo',
      step_id: step.id,
      ordinal,
      phase: step.phase,
      kind: step.kind,
      summary: step.summary,
      entry_id: entry.id,
      entry_hash: entry.hash,
      status: 'done' as const,
      attempts: 1,
      adopted: false,
      checkpoint: null,
      rows_done: 0,
      rows_total: null,
      started_at: null,
      finished_at: null,
      last_error: null,
      waiting_on: null,
    }));
}

describe('drift from recorded specs', () => {
  it('a changed setting is named, key by key, although no step changed', async () => {
    const before = await compile(PLAN('text'));
    const after = await compile(PLAN('text').replace('lock_timeout: 2s', 'lock_timeout: 5s'));
    const text = describeDrift(planDrift(after.plan, doneRows(before), recordPlan(before.plan).recorded));
    expect(text).toContain('changed (settings)');
    expect(text).toContain('settings.lockTimeoutMs: 2000 → 5000');
    expect(text).not.toContain('add_column');
  });
});

describe('drift without recorded specs (a run started by an older schemashift)', () => {
  it('still lists the changed, added and removed steps, and says the keys are unknown', async () => {
    const before = await compile(PLAN('text'));
    const after = await compile(
      PLAN('bigint').replace(
        'drop_column: { table: users, column: legacy_login }',
        'drop_column: { table: users, column: other }',
      ),
    );
    const text = describeDrift(planDrift(after.plan, doneRows(before)));
    expect(text).toMatch(/changed +add_column:users\.nickname/);
    expect(text).toContain('which keys changed is unknown');
    expect(text).toMatch(/added +drop_column:users\.other/);
    expect(text).toMatch(/removed +drop_column:users\.legacy_login — recorded as done/);
  });
});
