/**
 * `after:` on a real PostgreSQL: a plan waits (exit 3, nothing run, nothing recorded) until the plan
 * it names has finished the phase it names, then runs; a rollback of the plan waited for is refused
 * while the waiting plan has started; `status` shows the order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';
import { ADD_PHONE } from './after-support.js';

export const ADD_EMAIL = `name: add-email
phases:
  expand:
    - add_column: { table: users, column: { name: email, type: text } }
    - gate: { confirm: "Deploy the version that writes email" }
  contract:
    - drop_column: { table: users, column: legacy_login }
`;

export const USE_EMAIL = `name: use-email
after: [add-email]
phases:
  expand:
    - create_index: { name: users_email_idx, table: users, columns: [email] }
`;

const columnsOf = async (db: TestDatabase) =>
  (
    await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY column_name",
    )
  ).map((r) => r.column_name);

const stateOf = async (db: TestDatabase, plan: string) => ({
  runs: await db.query('SELECT status FROM schemashift.runs WHERE plan_name = $1', [plan]),
  steps: await db.query('SELECT step_id FROM schemashift.steps WHERE plan_name = $1', [plan]),
});

describe('after: plans run in order', () => {
  let db: TestDatabase;
  let dir: string;
  const run = (...args: string[]) => cli([...args, '--database', db.url!], { cwd: dir });

  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_after');
    await db.exec('CREATE TABLE users (id bigint PRIMARY KEY, legacy_login text)');
    dir = folderWith({ 'add-email.yaml': ADD_EMAIL, 'add-phone.yaml': ADD_PHONE, 'use-email.yaml': USE_EMAIL });
  });
  afterEach(async () => db.close());

  it('refuses a plan whose after-plan never ran: exit 3, the message names it, nothing run or recorded', async () => {
    const refused = await run('run', 'add-phone.yaml', '--yes');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      'plan add-phone waits for plan add-email to finish expand (its `after:`): add-email has never run on this ' +
        'database; nothing was run',
    );
    expect(refused.stderr).toContain('run plan add-email first (schemashift run <its plan file>), then run add-phone');
    expect(await stateOf(db, 'add-phone')).toEqual({ runs: [], steps: [] });
    expect(await columnsOf(db)).toEqual(['id', 'legacy_login']);
    const status = await run('status', 'add-phone.yaml');
    expect(status.stdout).toMatch(
      /^plan add-phone has not run on .*\n {2}waits for add-email expand: add-email has never run on this database\n {2}next: run `schemashift run add-phone.yaml`\n$/,
    );
  });

  it('waits while add-email is mid-expand, runs once expand is done; a whole-plan after waits for contract', async () => {
    const atGate = await run('run', 'add-email.yaml');
    expect(atGate.code).toBe(0);
    const refused = await run('run', 'add-phone.yaml', '--yes', '--json');
    expect(refused.code).toBe(3);
    const { error } = JSON.parse(refused.stdout.trim().split('\n').pop()!) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ code: 'waiting-for-plan', exit_code: 3 });
    expect(error.message).toBe(
      'plan add-phone waits for plan add-email to finish expand (its `after:`): add-email is in expand (at gate, 1 ' +
        'of 3 step(s) done), next step gate:deploy-the-version-that; nothing was run',
    );
    expect(error.help).toBe('move add-email on first (schemashift advance add-email.yaml), then run add-phone again');
    expect(await stateOf(db, 'add-phone')).toEqual({ runs: [], steps: [] });
    expect(await columnsOf(db)).toEqual(['email', 'id', 'legacy_login']);

    expect((await run('advance', 'add-email.yaml', '--yes')).code).toBe(0);
    const ran = await run('run', 'add-phone.yaml', '--yes');
    expect(ran.code, ran.stderr).toBe(0);
    expect(await columnsOf(db)).toEqual(['email', 'id', 'legacy_login', 'phone']);

    const whole = await run('run', 'use-email.yaml', '--yes');
    expect(whole.code).toBe(3);
    expect(whole.stderr).toContain(
      'plan use-email waits for plan add-email to be done (every phase, contract included)',
    );
    expect((await run('run', 'add-email.yaml', '--yes')).code).toBe(0);
    expect((await run('run', 'use-email.yaml', '--yes')).code).toBe(0);
  });

  it('refuses to roll back add-email while add-phone, which waits for it, has started: both named', async () => {
    expect((await run('advance', 'add-email.yaml', '--yes')).code).toBe(0);
    expect((await run('run', 'add-phone.yaml', '--yes')).code).toBe(0);
    const refused = await run('rollback', 'add-email.yaml', '--yes');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'cannot roll back plan add-email: plan add-phone waits for it (`after: [{ plan: add-email, phase: expand }]`) ' +
        'and has started (add-phone is done); nothing was undone',
    );
    expect(refused.stderr).toContain('roll back add-phone first (schemashift rollback add-phone.yaml)');
    expect(await columnsOf(db)).toEqual(['email', 'id', 'legacy_login', 'phone']);
    expect(refused.stderr).toMatch(/^schemashift: cannot roll back plan add-email/m);
    expect((await run('rollback', 'add-phone.yaml', '--yes')).code).toBe(0);
    expect((await run('rollback', 'add-email.yaml', '--yes')).code).toBe(0);
    expect(await columnsOf(db)).toEqual(['id', 'legacy_login']);

    const again = await run('run', 'add-phone.yaml', '--yes');
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('add-email was rolled back; nothing was run');
    expect(again.stderr).toContain('run plan add-email again first (schemashift run add-email.yaml)');
    // the refused run left add-phone as its rollback left it: not reset to a run in flight
    expect((await stateOf(db, 'add-phone')).runs).toEqual([{ status: 'rolled_back' }]);
    expect(await columnsOf(db)).toEqual(['id', 'legacy_login']);
  });
});
