/**
 * `if_exists: adopt` is refused when the loaded plan (exit 2, with the position of `if_exists`) for
 * operations that would write into or hand over what they adopt: add_unique (attaching the index
 * gives it to the constraint, so rollback would drop it), add_column with sync_from (the trigger
 * overwrites the adopted column), rename_column and change_type (their new/temp column is synced
 * and backfilled).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { PlanError } from '../../src/errors.js';
import { parsePlan } from '../../src/plan/load.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const plan = (step: string) => `name: adopt
phases:
  expand:
    - ${step}
      if_exists: adopt
`;

async function refusal(yaml: string): Promise<PlanError> {
  const error = await parsePlan('plan.yaml', yaml).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlanError);
  return error as PlanError;
}

describe('if_exists: adopt on operations that would damage what they adopt', () => {
  it('add_unique: refused at its `if_exists` line, saying why', async () => {
    const error = await refusal(
      plan('add_unique: { table: customers, name: customers_email_uq, index: customers_email_key, columns: [email] }'),
    );
    expect(error.message).toMatch(/plan\.yaml:5:\d+/);
    expect(error.message).toContain('`if_exists: adopt` cannot apply to this add_unique');
    expect(error.message).toContain('a rollback that drops the constraint would drop an adopted index with it');
  });

  it('add_column with sync_from, rename_column and change_type: refused; add_column without sync_from and create_index still adopt', async () => {
    expect(
      (await refusal(plan('add_column: { table: accounts, column: { name: handle, type: text }, sync_from: login }')))
        .message,
    ).toContain('its sync trigger writes handle');
    expect(
      (await refusal(plan('rename_column: { table: accounts, from: login, to: username, type: text }'))).message,
    ).toContain('an existing username would be overwritten');
    expect((await refusal(plan('change_type: { table: accounts, column: score, type: bigint }'))).message).toContain(
      'cannot apply to this change_type',
    );
    expect(
      (await parsePlan('plan.yaml', plan('add_column: { table: accounts, column: { name: handle, type: text } }')))
        .entries[0]?.adopt,
    ).toBe(true);
    expect(
      (
        await parsePlan(
          'plan.yaml',
          plan('create_index: { table: accounts, name: accounts_login_idx, columns: [login] }'),
        )
      ).entries[0]?.adopt,
    ).toBe(true);
  });
});

describe.skipIf(!postgresAdminUrl)('adopt refusals on PostgreSQL: nothing runs, what exists stays', () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_adoptref');
    await db.exec(`CREATE TABLE customers (id bigint PRIMARY KEY, email text);
      CREATE UNIQUE INDEX customers_email_key ON customers (email);
      CREATE TABLE accounts (id bigint PRIMARY KEY, login text, handle text);
      INSERT INTO accounts SELECT g, 'login' || g, 'handle' || g FROM generate_series(1, 100) g;`);
    dir = mkdtempSync(join(tmpdir(), 'schemashift-adoptref-'));
  });
  afterEach(async () => {
    await db.close();
  });

  async function runCli(yaml: string): Promise<{ code: number; stderr: string }> {
    writeFileSync(join(dir, 'plan.yaml'), yaml);
    const io = captureIo(dir);
    const code = await main(['run', 'plan.yaml', '--yes', '--database', db.url!], io);
    return { code, stderr: io.stderr() };
  }

  it('add_unique adopting an existing index: exit 2 before anything runs; the index is still there, unattached', async () => {
    const result = await runCli(
      plan('add_unique: { table: customers, name: customers_email_uq, index: customers_email_key, columns: [email] }'),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot apply to this add_unique');
    expect(
      await db.query(
        "SELECT to_regclass('customers_email_key') IS NOT NULL AS index, (SELECT count(*)::int FROM pg_constraint WHERE conname = 'customers_email_uq') AS constraints",
      ),
    ).toEqual([{ index: true, constraints: 0 }]);
  });

  it('add_column with sync_from adopting a column with data: exit 2, no trigger, an UPDATE of the old column leaves it alone', async () => {
    const result = await runCli(
      plan('add_column: { table: accounts, column: { name: handle, type: text }, sync_from: login }'),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('its sync trigger writes handle');
    await db.exec("UPDATE accounts SET login = 'changed' WHERE id = 1");
    expect(
      await db.query(
        "SELECT handle, (SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'accounts'::regclass AND NOT tgisinternal) AS triggers FROM accounts WHERE id = 1",
      ),
    ).toEqual([{ handle: 'handle1', triggers: 0 }]);
  });
});
