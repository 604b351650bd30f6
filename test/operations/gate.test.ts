import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';

import { runCli, writePlan } from '../runner/cli-process.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { forward, inverse, parseSpec } from '../support/operations.js';

const refused = (spec: unknown) => findOperation('gate')!.schema.safeParse(spec);

describe('gate', () => {
  it('confirm: emits one gate step with the confirmation text, and undoes to nothing', () => {
    const spec = { confirm: 'Deploy the version that reads customer_id, then continue' };
    expect(forward('gate', spec, 'migrate', 'gate:t')).toEqual([
      { id: 'gate:t', phase: 'migrate', kind: 'gate', summary: `confirm: ${spec.confirm}`, confirm: spec.confirm },
    ]);
    expect(inverse('gate', spec)).toEqual({ steps: [] });
    expect(findOperation('gate')!.target(parseSpec('gate', spec))).toBe('deploy-the-version-that');
  });

  it('shadow_clean: a check that counts mismatches in the window and expects 0', () => {
    expect(forward('gate', { shadow_clean: { since: '1h' } }, 'migrate', 'gate:shadow-clean')).toEqual([
      {
        id: 'gate:shadow-clean',
        phase: 'migrate',
        kind: 'check',
        summary:
          'shadow reads clean: no mismatch or new-side error recorded for any repository in schemashift.shadow_mismatches in the last 1h',
        sql: "SELECT count(*) FROM schemashift.shadow_mismatches WHERE at > now() - interval '3600 seconds'",
        expect: 0,
      },
    ]);
    expect(inverse('gate', { shadow_clean: { since: '1h' } })).toEqual({ steps: [] });
    expect(findOperation('gate')!.target(parseSpec('gate', { shadow_clean: { since: '1h' } }))).toBe('shadow-clean');
  });

  it('shadow_clean: narrowed to a repository (a literal, never spliced) and another table', () => {
    const [step] = forward('gate', {
      shadow_clean: { since: '90s', repository: "Orders'; DROP TABLE x", table: 'audit.mismatches' },
    });
    expect(step).toMatchObject({
      summary:
        "shadow reads clean: no mismatch or new-side error recorded for repository Orders'; DROP TABLE x in audit.mismatches in the last 90s",
      sql: "SELECT count(*) FROM audit.mismatches WHERE at > now() - interval '90 seconds' AND repository = 'Orders''; DROP TABLE x'",
    });
    expect(
      findOperation('gate')!.target(parseSpec('gate', { shadow_clean: { since: 1500, repository: 'Orders' } })),
    ).toBe('shadow-clean-orders');
    expect((forward('gate', { shadow_clean: { since: 1500 } })[0] as { sql: string }).sql).toContain(
      "interval '1500 milliseconds'",
    );
  });

  it.each([
    { confirm: '' },
    { confirm: '   ' },
    {},
    { confirm: 'ok', shadow_clean: { since: '1h' } },
    { confirm: 'ok', shadow_clean: true },
  ])('refuses %j', (spec) => {
    expect(refused(spec).success).toBe(false);
  });

  it.each([
    [{ shadow_clean: {} }, /since/],
    [{ shadow_clean: { since: 'soon' } }, /not a duration/],
    [{ shadow_clean: { since: '100ms' } }, /proves nothing/],
    [{ shadow_clean: { since: '1h', repo: 'x' } }, /repo/],
    [{ shadow_clean: { since: '1h', table: 'a b' } }, /not a valid table name/],
  ])('refuses shadow_clean %j', (spec, message) => {
    const result = refused(spec);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });

  it('says which of the two it needs', () => {
    expect(refused({}).error?.issues[0]?.message).toBe('a gate needs `confirm` or `shadow_clean`');
    expect(refused({ confirm: 'ok', shadow_clean: { since: '1h' } }).error?.issues[0]?.message).toBe(
      'a gate takes `confirm` or `shadow_clean`, not both',
    );
  });
});

describe.skipIf(!postgresAdminUrl)('gate shadow_clean through `schemashift run` (real PostgreSQL)', () => {
  let db: TestDatabase;
  const plan = writePlan(`
name: shadow-clean-gate
phases:
  migrate:
    - gate: { shadow_clean: { since: 1h, repository: Orders } }
    - sql: { up: "CREATE TABLE switched (id int)", down: "DROP TABLE switched" }
`);
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_gate');
    await postgres.state
      .openStore({
        query: async (s, p) => ({ rows: await db.query(s, p), rowCount: 0 }) as never,
        exec: db.exec.bind(db),
      })
      .ensureSchema();
  });
  afterAll(() => db.close());

  it('fails the run (exit 1) while a mismatch is in the window, passes once it has aged out', async () => {
    await db.exec(
      `INSERT INTO schemashift.shadow_mismatches (repository, method, args, old_result, new_result) VALUES ('Orders', 'findByCustomer', '[7]', '[1]', '[2]')`,
    );
    await db.exec(
      `INSERT INTO schemashift.shadow_mismatches (repository, method, error) VALUES ('Invoices', 'get', 'read-error (shadow-read): boom')`,
    );
    const blocked = await runCli(['run', plan, '--database', db.url!]);
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.stdout).toContain(
      'shadow reads clean: no mismatch or new-side error recorded for repository Orders in schemashift.shadow_mismatches in the last 1h',
    );
    expect(blocked.stdout).toContain(
      'check gate:shadow-clean-orders failed: shadow reads clean: no mismatch or new-side error recorded for repository Orders',
    );
    expect(blocked.stdout).toContain('expected 0, the query returned "1"');
    expect(await db.query(`SELECT to_regclass('switched') AS t`)).toEqual([{ t: null }]);

    await db.exec(
      `UPDATE schemashift.shadow_mismatches SET at = now() - interval '61 minutes' WHERE repository = 'Orders'`,
    );
    const passed = await runCli(['run', plan, '--database', db.url!]);
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    expect(passed.stdout).toContain('plan done');
    expect(await db.query(`SELECT to_regclass('switched') AS t`)).toEqual([{ t: 'switched' }]);
    console.log(`blocked run output:\n${blocked.stdout}`);
  });
});
