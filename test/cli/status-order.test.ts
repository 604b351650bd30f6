/** `status` (text and --json) lists the plans in flight in their `after:` order, and what each waits for. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';
import { paint } from '../../src/cli/io.js';
import { inFlightJson, inFlightOrder, inFlightText } from '../../src/cli/status-order.js';
import type { RunRow } from '../../src/state/store.js';
import { cli, folderWith } from './cli-support.js';

const ADD_EMAIL = `name: add-email
phases:
  expand:
    - add_column: { table: users, column: { name: email, type: text } }
  contract:
    - drop_column: { table: users, column: legacy_login }
`;

const ADD_NICK = `name: add-nick
after: [{ plan: add-email, phase: expand }]
phases:
  expand:
    - add_column: { table: users, column: { name: nick, type: text } }
  contract:
    - drop_column: { table: users, column: old_nick }
`;

const USE_EMAIL = `name: use-email
after: [add-email]
phases:
  expand:
    - create_index: { name: users_email_idx, table: users, columns: [email] }
`;

describe('status shows the order of plans in flight', () => {
  let db: TestDatabase;
  let dir: string;
  const run = (...args: string[]) => cli([...args, '--database', db.url!], { cwd: dir });

  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_status_order');
    await db.exec('CREATE TABLE users (id bigint PRIMARY KEY, legacy_login text, old_nick text)');
    dir = folderWith({ 'add-email.yaml': ADD_EMAIL, 'add-nick.yaml': ADD_NICK, 'use-email.yaml': USE_EMAIL });
  });
  afterEach(async () => db.close());

  it('text and json: add-email first, add-nick after its expand (finished); plans done or refused are not listed', async () => {
    expect((await run('advance', 'add-email.yaml')).code).toBe(0);
    expect((await run('advance', 'add-nick.yaml')).code).toBe(0);
    expect((await run('run', 'use-email.yaml', '--yes')).code).toBe(3);

    const text = await run('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      'in flight (in order):\n' +
        '  1. add-email  at gate · expand\n' +
        '  2. add-nick  at gate · expand — after add-email expand ✔\n',
    );
    expect(text.stdout).toMatch(/add-nick {2}at gate · expand\n.*\n {2}after add-email expand ✔\n {2}expand \(1\/1\)/);

    const json = JSON.parse((await run('status', '--json')).stdout) as Record<string, unknown>;
    expect(json.in_flight).toEqual([
      { name: 'add-email', status: 'at_gate', phase: 'expand', after: [], waits_for: [] },
      {
        name: 'add-nick',
        status: 'at_gate',
        phase: 'expand',
        after: [{ plan: 'add-email', phase: 'expand', finished: true, standing: expect.any(String) }],
        waits_for: [],
      },
    ]);
    const plans = json.plans as { name: string; after: unknown[]; steps: unknown[] }[];
    expect(plans.map((p) => p.name).sort()).toEqual(['add-email', 'add-nick']);
    expect(plans.find((p) => p.name === 'add-email')?.after).toEqual([]);
    expect(plans.find((p) => p.name === 'add-nick')?.steps).toHaveLength(2);

    const one = await run('status', 'add-nick.yaml');
    expect(one.stdout).toContain('  after add-email expand ✔\n');
    expect(one.stdout).not.toContain('in flight (in order)');
    const oneJson = JSON.parse((await run('status', 'add-nick.yaml', '--json')).stdout) as typeof json;
    expect((oneJson.plans as { after: unknown[] }[])[0]?.after).toEqual([
      {
        plan: 'add-email',
        phase: 'expand',
        finished: true,
        standing:
          'add-email is before contract (at gate, 1 of 2 step(s) done), next step drop_column:users.legacy_login',
      },
    ]);
  });
});

describe('inFlightOrder', () => {
  const run = (name: string, startedAt: string, status: RunRow['status'] = 'at_gate') => ({
    run: { plan_name: name, status, phase: 'expand', started_at: new Date(startedAt) } as RunRow,
    steps: [],
  });

  it('puts a plan after the in-flight plans it waits for even when it started first, and says what is missing', () => {
    const runs = [
      run('b', '2026-01-01'),
      run('a', '2026-01-02'),
      run('c', '2026-01-03'),
      run('old', '2025-01-01', 'done'),
    ];
    const waits = { plan: 'a', phase: 'complete' as const, finished: false, standing: 'a is in expand (at gate)' };
    const order = inFlightOrder(runs, new Map([['b', [waits]]]));
    expect(order.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    expect(inFlightText(order, paint(false))).toContain(
      '2. b  at gate · expand — waits for a (all of it): a is in expand (at gate)',
    );
    expect(inFlightJson(order)[1]?.waits_for).toEqual(['a']);
  });
});
