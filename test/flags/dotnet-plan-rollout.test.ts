/**
 * A plan whose settings.flags.file is a .NET appsettings.json (the scalability seed's
 * FeatureManagement section, with its `//` comment), run against real PostgreSQL: flag_rollout
 * 10 → 50 → 100 with a guard. After each stage the file is the original with only the number
 * changed; `status` reads the percentage from it; the rollback, and a failing guard, set 0 there.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printStatus } from '../../src/cli/status-command.js';
import { connect, type Connection } from '../../src/db/index.js';
import { withFlagLocation } from '../../src/flags/store.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const FLAG = 'UseNewCustomerIdColumn';
const SEED = join(import.meta.dirname, '..', 'fixtures', 'flags', 'appsettings.seed.json');
const SEED_TEXT = readFileSync(SEED, 'utf8');
const withValue = (percent: number) => SEED_TEXT.replace('"Value": 10 //', `"Value": ${percent} //`);

describe.skipIf(!postgresAdminUrl)('a plan rolls out a flag in a .NET appsettings.json (PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_dotnet_flags');
    conn = await connect(db.url!);
    await conn.exec(
      'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint); INSERT INTO orders VALUES (1, 7)',
    );
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
  });

  async function planWithSeedCopy(name: string, rollout: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-dotnet-plan-'));
    mkdirSync(join(dir, 'config'));
    const file = join(dir, 'config', 'appsettings.json');
    copyFileSync(SEED, file);
    const yaml = stringify({
      name,
      settings: { flags: { file: 'config/appsettings.json' } },
      phases: { migrate: [{ id: 'roll', flag_rollout: { flag: FLAG, ...rollout } }] },
    });
    writeFileSync(join(dir, 'plan.yaml'), yaml); // for `status`, which reads a step's flag from the plan
    return { dir, file, compiled: compilePlan(withFlagLocation(await parsePlan(join(dir, 'plan.yaml'), yaml), dir)) };
  }

  /** Runs the plan; the file as it was right after each stage's write (the stage's message follows it). */
  async function run(compiled: CompiledPlan, file: string) {
    const atStages: string[] = [];
    const outcome = await runPlan(conn, compiled, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit: (e) => {
        if (e.type === 'info' && / \(stage \d of \d\)$/.test(e.message)) atStages.push(readFileSync(file, 'utf8'));
      },
      signal: new AbortController().signal,
      command: (verb) => `schemashift ${verb}`,
    });
    return { outcome, atStages };
  }

  it('10 → 50 → 100 with no filter named: the flag keeps its Percentage filter, only the number differs, comments intact; rollback writes 0 there', async () => {
    const name = 'dotnet_rollout';
    const { dir, file, compiled } = await planWithSeedCopy(name, {
      stages: [10, 50, 100],
      guard: { sql: 'SELECT count(*) FROM orders WHERE customer_id IS NULL', max: 0 },
    });
    const { outcome, atStages } = await run(compiled, file);
    expect(outcome).toEqual({ kind: 'done' });
    expect(atStages).toEqual([withValue(10), withValue(50), withValue(100)]);
    expect(atStages.every((text) => text.includes('// 10% del tráfico usa el nuevo schema'))).toBe(true);

    const io = captureIo(dir);
    await printStatus(conn, { plan: { file: compiled.plan.file, name }, json: false }, io);
    expect(io.stdout()).toContain(`flag ${FLAG} at 100%`);

    const rolled = await rollbackPlan(conn, compiled, {
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: (v) => v,
    });
    expect(rolled).toEqual({ kind: 'rolled-back', undone: ['roll/undo'], kept: [] });
    expect(readFileSync(file, 'utf8')).toBe(withValue(0));
  });

  it('a guard above its max at 50% sets the .NET flag back to 0, only the number changed', async () => {
    const name = 'dotnet_guarded';
    // Guards run read only: this one counts the stages reached, so it first returns 1 at stage 50.
    const sql = `SELECT count(*) - 1 FROM schemashift.events WHERE plan_name = '${name}' AND kind = 'flag-stage'`;
    const { file, compiled } = await planWithSeedCopy(name, {
      stages: [10, 50, 100],
      filter: 'percentage',
      guard: { sql, max: 0 },
    });
    const { outcome, atStages } = await run(compiled, file);
    expect(outcome).toEqual({ kind: 'failed', stepId: 'roll', error: `guard returned 1 > 0 at stage 50%: ${sql}` });
    expect(atStages).toEqual([withValue(10), withValue(50)]);
    expect(readFileSync(file, 'utf8')).toBe(withValue(0));
  });

  it('a fractional stage for the .NET Percentage filter: the rollout refuses before its first stage, nothing written', async () => {
    const { file, compiled } = await planWithSeedCopy('dotnet_fraction', { stages: [10, 12.5, 50] });
    // A UsageError: the run exits 2, with the step failed and nothing written.
    await expect(run(compiled, file)).rejects.toThrow('so 12.5 would make every evaluation of the flag throw');
    expect(readFileSync(file, 'utf8')).toBe(SEED_TEXT);
  });

  it('a current Value .NET cannot read (10.0): the rollout refuses to start rather than guess', async () => {
    const { dir, file, compiled } = await planWithSeedCopy('dotnet_unreadable', { stages: [20, 50] });
    const text = SEED_TEXT.replace('"Value": 10 //', '"Value": 10.0 //');
    writeFileSync(file, text);
    await expect(run(compiled, file)).rejects.toThrow('the rollout does not start rather than guess');
    expect(readFileSync(file, 'utf8')).toBe(text);
    const io = captureIo(dir);
    await printStatus(conn, { plan: { file: compiled.plan.file, name: 'dotnet_unreadable' }, json: false }, io);
    expect(io.stdout()).toContain("unreadable by .NET: the Percentage filter's Value is 10.0");
  });
});
