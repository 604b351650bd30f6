import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

const accounts = {
  table: 'sales.accounts',
  name: 'AccountsLogin',
  columns: ['tenant', 'Login'],
  index: 'accounts_login_idx',
};

describe('add_unique SQL', () => {
  it.each([
    [
      { table: 'users', name: 'users_email_key', columns: ['email'] },
      [
        'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)',
        'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key',
      ],
    ],
    [
      accounts,
      [
        'CREATE UNIQUE INDEX CONCURRENTLY accounts_login_idx ON sales.accounts (tenant, "Login")',
        'ALTER TABLE sales.accounts ADD CONSTRAINT "AccountsLogin" UNIQUE USING INDEX accounts_login_idx',
      ],
    ],
    [
      { table: 'user', name: 'user_order_key', columns: ['order'] },
      [
        'CREATE UNIQUE INDEX CONCURRENTLY user_order_key ON "user" ("order")',
        'ALTER TABLE "user" ADD CONSTRAINT user_order_key UNIQUE USING INDEX user_order_key',
      ],
    ],
  ])('%j', (spec, sql) => {
    expect(sqlOf(forward('add_unique', spec))).toEqual(sql);
  });

  it('builds outside a transaction without blocking writes, then attaches under a brief lock', () => {
    const [build, attach] = forward('add_unique', accounts) as SqlStep[];
    expect(build).toMatchObject({
      id: 'add_unique:test',
      lock: { level: 'SHARE UPDATE EXCLUSIVE', on: ['sales.accounts'] },
      transactional: false,
      buildsIndex: 'sales.accounts_login_idx',
    });
    expect(attach).toMatchObject({
      id: 'add_unique:test/constraint',
      lock: { level: 'ACCESS EXCLUSIVE', on: ['sales.accounts'] },
      transactional: true,
    });
  });

  it('inverse drops the constraint, then any unattached index', () => {
    const undo = inverse('add_unique', accounts);
    expect('steps' in undo && sqlOf(undo.steps)).toEqual([
      'ALTER TABLE sales.accounts DROP CONSTRAINT IF EXISTS "AccountsLogin"',
      'DROP INDEX CONCURRENTLY IF EXISTS sales.accounts_login_idx',
    ]);
  });

  it.each([
    [{ table: 'users', name: 'k', columns: [] }, /too_small|>=1/],
    [{ table: 'users', name: 'k', columns: ['lower(email)'] }, /not a valid identifier/],
    [{ table: 'users', name: 'k', columns: ['email'], index: 'public.k_idx' }, /not a valid identifier/],
    [{ table: 'users', name: 'k', columns: ['email'], where: 'deleted_at IS NULL' }, /where/],
    [{ table: 'users', columns: ['email'] }, /name/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('add_unique', spec)).toThrow(message);
  });
});

describe.each(engines)('add_unique on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE SCHEMA sales');
  });
  afterAll(() => db.close());

  const indexValid = async (name: string) =>
    (
      await db.query<{ indisvalid: boolean }>('SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)', [
        name,
      ])
    )[0]?.indisvalid;
  const constraintType = async (table: string, name: string) =>
    (
      await db.query<{ contype: string }>(
        'SELECT contype FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2',
        [table, name],
      )
    )[0]?.contype;

  it('builds the index, attaches it (renamed to the constraint); probes hold across the rename; inverse removes both', async () => {
    await db.exec(
      `CREATE TABLE sales.accounts (id int, tenant int, "Login" text); INSERT INTO sales.accounts VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'a')`,
    );
    const [build, attach] = forward('add_unique', accounts) as SqlStep[];
    expect([await probe(db, build!), await probe(db, attach!)]).toEqual([false, false]);
    await applySql(db, [build!]);
    expect(await indexValid('sales.accounts_login_idx')).toBe(true);
    expect([await probe(db, build!), await probe(db, attach!)]).toEqual([true, false]);
    await applySql(db, [attach!]);
    expect(await constraintType('sales.accounts', 'AccountsLogin')).toBe('u');
    expect(await indexValid('sales.accounts_login_idx')).toBeUndefined();
    expect(await indexValid('sales."AccountsLogin"')).toBe(true);
    expect([await probe(db, build!), await probe(db, attach!)]).toEqual([true, true]);
    await expect(db.exec(`INSERT INTO sales.accounts VALUES (4, 1, 'a')`)).rejects.toMatchObject({ code: '23505' });
    const undo = inverse('add_unique', accounts);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await constraintType('sales.accounts', 'AccountsLogin')).toBeUndefined();
    expect(await indexValid('sales."AccountsLogin"')).toBeUndefined();
    expect([await probe(db, build!), await probe(db, attach!)]).toEqual([false, false]);
    expect([await probe(db, undo.steps[0] as SqlStep), await probe(db, undo.steps[1] as SqlStep)]).toEqual([
      true,
      true,
    ]);
  });

  it('duplicates fail the CONCURRENTLY build and leave an INVALID index the probe does not count; inverse clears it', async () => {
    await db.exec(`CREATE TABLE users (id int, email text); INSERT INTO users VALUES (1, 'a@x'), (2, 'a@x')`);
    const spec = { table: 'users', name: 'users_email_key', columns: ['email'] };
    const [build] = forward('add_unique', spec) as SqlStep[];
    await expect(applySql(db, [build!])).rejects.toMatchObject({ code: '23505' });
    expect(await indexValid('users_email_key')).toBe(false);
    expect(await probe(db, build!)).toBe(false);
    const undo = inverse('add_unique', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await indexValid('users_email_key')).toBeUndefined();
  });
});
