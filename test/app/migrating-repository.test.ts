/**
 * createMigratingRepository over two repositories backed by real PostgreSQL tables: orders_old
 * (client_id) and orders_new (customer_id), mismatches recorded in schemashift.shadow_mismatches.
 */
import { FeatureManager } from '@microsoft/feature-management';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMigratingRepository,
  databaseMismatchRecorder,
  DatabaseFeatureFlagProvider,
  memoryMismatchRecorder,
  type MethodKinds,
  type MismatchRecorder,
  type ShadowMismatch,
} from '../../src/app/index.js';
import { postgresAdminUrl } from '../support/databases.js';
import { postgresApp, type AppDatabase } from './support.js';

interface Order {
  id: number;
  customerId: number;
  total: string;
}

interface OrdersRepository {
  place(order: Order): Promise<void>;
  get(id: number): Promise<Order | null>;
  findByCustomer(customerId: number): Promise<Order[]>;
  listAll(): Promise<Order[]>;
}

function ordersRepository(pool: pg.Pool, table: string, column: string): OrdersRepository {
  const select = `SELECT id::int AS "id", ${column}::int AS "customerId", total::text AS "total" FROM ${table}`;
  return {
    place: async (o) =>
      void (await pool.query(`INSERT INTO ${table} (id, ${column}, total) VALUES ($1, $2, $3)`, [
        o.id,
        o.customerId,
        o.total,
      ])),
    get: async (id) => (await pool.query<Order>(`${select} WHERE id = $1`, [id])).rows[0] ?? null,
    findByCustomer: async (customerId) =>
      (await pool.query<Order>(`${select} WHERE ${column} = $1 ORDER BY id`, [customerId])).rows,
    listAll: async () => (await pool.query<Order>(`${select} ORDER BY id`)).rows,
  };
}

const METHODS: MethodKinds<OrdersRepository> = {
  place: 'write',
  get: 'read',
  findByCustomer: 'read',
  listAll: { kind: 'read', shadow: false },
};

describe.skipIf(!postgresAdminUrl)('createMigratingRepository on real PostgreSQL', () => {
  let db: AppDatabase;
  let pool: pg.Pool;
  let oldRepo: OrdersRepository;
  let newRepo: OrdersRepository;
  const on = new Set<string>();
  const flags = (name: string) => on.has(name);
  const recorded = () =>
    db.sql<{ method: string; args: unknown; old_result: unknown; new_result: unknown; error: string | null }>(
      'SELECT method, args, old_result, new_result, error FROM schemashift.shadow_mismatches ORDER BY id',
    );
  const rows = (table: string) => db.sql<{ id: number }>(`SELECT id::int AS id FROM ${table} ORDER BY id`);
  const orders = (recorder: MismatchRecorder = databaseMismatchRecorder(pool), extra = {}) =>
    createMigratingRepository(oldRepo, newRepo, { name: 'Orders', methods: METHODS, flags, recorder, ...extra });

  beforeAll(async () => {
    db = await postgresApp();
    pool = db.client as pg.Pool;
    oldRepo = ordersRepository(pool, 'orders_old', 'client_id');
    newRepo = ordersRepository(pool, 'orders_new', 'customer_id');
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    on.clear();
    await db.sql('DROP TABLE IF EXISTS orders_old, orders_new');
    await db.sql(
      'CREATE TABLE orders_old (id bigint PRIMARY KEY, client_id bigint NOT NULL, total numeric(10,2) NOT NULL)',
    );
    await db.sql(
      'CREATE TABLE orders_new (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(10,2) NOT NULL)',
    );
    await db.sql('TRUNCATE schemashift.shadow_mismatches');
  });

  it('off: only the old side is touched (the new table may not even exist)', async () => {
    await db.sql('DROP TABLE orders_new');
    const memory = memoryMismatchRecorder();
    const repo = orders(memory);
    await repo.place({ id: 1, customerId: 7, total: '10.00' });
    expect(await repo.get(1)).toEqual({ id: 1, customerId: 7, total: '10.00' });
    expect(await repo.findByCustomer(7)).toHaveLength(1);
    await repo.whenIdle();
    expect(memory.mismatches).toEqual([]);
    expect(await repo.currentMode()).toBe('off');
  });

  it('dual-write: writes reach both sides; a failing new side (constraint, dropped table) is recorded, never thrown', async () => {
    on.add('Orders.DualWrite');
    const repo = orders();
    await repo.place({ id: 1, customerId: 7, total: '10.00' });
    expect(await rows('orders_old')).toEqual([{ id: 1 }]);
    expect(await rows('orders_new')).toEqual([{ id: 1 }]);
    await db.sql(`INSERT INTO orders_new VALUES (2, 8, 1)`);
    await repo.place({ id: 2, customerId: 9, total: '20.00' });
    await db.sql('DROP TABLE orders_new');
    await repo.place({ id: 3, customerId: 9, total: '30.00' });
    expect(await repo.findByCustomer(9)).toEqual([
      { id: 2, customerId: 9, total: '20.00' },
      { id: 3, customerId: 9, total: '30.00' },
    ]);
    await repo.whenIdle();
    // Mismatches are recorded in the background, each on its own connection: their ids follow no order.
    const idOf = (r: { args: unknown }) => (r.args as { id: number }[])[0]?.id ?? 0;
    const found = (await recorded()).sort((a, b) => idOf(a) - idOf(b));
    expect(found.map((r) => [r.method, r.args])).toEqual([
      ['place', [{ id: 2, customerId: 9, total: '20.00' }]],
      ['place', [{ id: 3, customerId: 9, total: '30.00' }]],
    ]);
    expect(found[0]!.error).toMatch(
      /^write-error \(dual-write\): the new side failed: duplicate key value violates unique constraint "orders_new_pkey"/,
    );
    expect(found[1]!.error).toBe('write-error (dual-write): the new side failed: relation "orders_new" does not exist');
  });

  it('dual-write: a write the old side refuses is thrown and never reaches the new side', async () => {
    on.add('Orders.DualWrite');
    const repo = orders();
    await db.sql(`INSERT INTO orders_old VALUES (1, 7, 1)`);
    await expect(repo.place({ id: 1, customerId: 7, total: '10.00' })).rejects.toThrow(/orders_old_pkey/);
    expect(await rows('orders_new')).toEqual([]);
  });

  it('shadow-read: reads both, records a planted mismatch, returns the old result; batch reads are not shadowed', async () => {
    on.add('Orders.DualWrite').add('Orders.ShadowRead');
    const repo = orders();
    await repo.place({ id: 1, customerId: 7, total: '10.00' });
    await repo.place({ id: 2, customerId: 7, total: '20.00' });
    await repo.place({ id: 3, customerId: 8, total: '30.00' });
    await db.sql('UPDATE orders_new SET total = 99 WHERE id = 2');
    expect(await repo.findByCustomer(7)).toEqual([
      { id: 1, customerId: 7, total: '10.00' },
      { id: 2, customerId: 7, total: '20.00' },
    ]);
    expect(await repo.get(3)).toEqual({ id: 3, customerId: 8, total: '30.00' });
    expect(await repo.listAll()).toHaveLength(3);
    await repo.whenIdle();
    expect(await recorded()).toEqual([
      {
        method: 'findByCustomer',
        args: [7],
        old_result: [
          { id: 1, customerId: 7, total: '10.00' },
          { id: 2, customerId: 7, total: '20.00' },
        ],
        new_result: [
          { id: 1, customerId: 7, total: '10.00' },
          { id: 2, customerId: 7, total: '99.00' },
        ],
        error: null,
      },
    ]);
  });

  it('shadow-read: a custom comparer decides what counts as the same; a failing new read is recorded', async () => {
    on.add('Orders.ShadowRead');
    const memory = memoryMismatchRecorder();
    const byIds = (a: Order[], b: Order[]) => a.map((o) => o.id).join() === b.map((o) => o.id).join();
    const repo = createMigratingRepository(oldRepo, newRepo, {
      name: 'Orders',
      methods: { ...METHODS, findByCustomer: { kind: 'read', compare: byIds } },
      flags,
      recorder: memory,
    });
    await db.sql(`INSERT INTO orders_old VALUES (1, 7, 10)`);
    await db.sql(`INSERT INTO orders_new VALUES (1, 7, 11)`);
    expect(await repo.findByCustomer(7)).toEqual([{ id: 1, customerId: 7, total: '10.00' }]);
    await repo.whenIdle();
    expect(memory.mismatches).toEqual([]);
    await db.sql('DROP TABLE orders_new');
    expect(await repo.get(1)).toEqual({ id: 1, customerId: 7, total: '10.00' });
    await repo.whenIdle();
    expect(memory.mismatches.map((m: ShadowMismatch) => [m.kind, m.method, m.error])).toEqual([
      ['read-error', 'get', 'the new side failed: relation "orders_new" does not exist'],
    ]);
  });

  it('shadow-read: the caller does not wait for a slow new side; a new side past secondaryTimeoutMs is recorded', async () => {
    on.add('Orders.ShadowRead');
    let newFinished = false;
    const slowNew: OrdersRepository = {
      ...newRepo,
      get: async (id) => {
        await pool.query('SELECT pg_sleep(1)');
        newFinished = true;
        return newRepo.get(id);
      },
    };
    await db.sql(`INSERT INTO orders_old VALUES (1, 7, 10)`);
    const memory = memoryMismatchRecorder();
    const repo = createMigratingRepository(oldRepo, slowNew, {
      name: 'Orders',
      methods: METHODS,
      flags,
      recorder: memory,
      secondaryTimeoutMs: 300,
    });
    const started = Date.now();
    expect(await repo.get(1)).toEqual({ id: 1, customerId: 7, total: '10.00' });
    const callerMs = Date.now() - started;
    expect(newFinished).toBe(false);
    await repo.whenIdle();
    console.log(`shadow read with a 1 s new side: the caller waited ${callerMs}ms`);
    expect(memory.mismatches.map((m) => [m.kind, m.error])).toEqual([
      ['read-error', 'the new side failed: no answer within 300ms (it may still complete)'],
    ]);
    await new Promise((r) => setTimeout(r, 1000));
  });

  it('read-new: reads come from the new side; writes go to both, new first; an old-side failure is recorded', async () => {
    on.add('Orders.DualWrite').add('Orders.ShadowRead').add('Orders.ReadNew');
    const repo = orders();
    await repo.place({ id: 1, customerId: 7, total: '10.00' });
    expect(await rows('orders_old')).toEqual([{ id: 1 }]);
    await db.sql('UPDATE orders_new SET total = 12 WHERE id = 1');
    expect(await repo.get(1)).toEqual({ id: 1, customerId: 7, total: '12.00' });
    expect(await repo.findByCustomer(7)).toEqual([{ id: 1, customerId: 7, total: '12.00' }]);
    await db.sql('DROP TABLE orders_old');
    await repo.place({ id: 2, customerId: 7, total: '20.00' });
    expect(await rows('orders_new')).toEqual([{ id: 1 }, { id: 2 }]);
    await repo.whenIdle();
    expect((await recorded()).map((r) => r.error)).toEqual([
      'write-error (read-new): the old side failed: relation "orders_old" does not exist',
    ]);
  });

  it('takes its flags from a FeatureManager over schemashift.feature_flags, with a targeting context per call', async () => {
    await db.sql(`INSERT INTO schemashift.feature_flags (id, definition) VALUES
      ('Orders.DualWrite', '{"id": "Orders.DualWrite", "enabled": true}'),
      ('Orders.ReadNew', '{"id": "Orders.ReadNew", "enabled": true, "conditions": {"client_filters": [{"name": "Microsoft.Targeting", "parameters": {"Audience": {"Users": ["alice"], "DefaultRolloutPercentage": 0}}}]}}')
      ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition`);
    const provider = new DatabaseFeatureFlagProvider(pool);
    const repo = createMigratingRepository(oldRepo, newRepo, {
      name: 'Orders',
      methods: METHODS,
      flags: new FeatureManager(provider),
      recorder: databaseMismatchRecorder(pool),
      context: (method, args) => (method === 'findByCustomer' && args[0] === 7 ? { userId: 'alice' } : undefined),
    });
    await repo.place({ id: 1, customerId: 7, total: '10.00' });
    await db.sql('UPDATE orders_new SET total = 11 WHERE id = 1');
    expect((await repo.withContext({ userId: 'alice' }).get(1))?.total).toBe('11.00');
    expect((await repo.withContext({ userId: 'bob' }).get(1))?.total).toBe('10.00');
    expect((await repo.findByCustomer(7))[0]?.total).toBe('11.00');
    expect(await repo.currentMode({ userId: 'alice' })).toBe('read-new');
    expect(await repo.currentMode({ userId: 'bob' })).toBe('dual-write');
    provider.close();
  });

  it('refuses undeclared or clashing methods when it is created', () => {
    const recorder = memoryMismatchRecorder();
    expect(() =>
      createMigratingRepository(oldRepo, { ...newRepo, get: undefined } as never, {
        name: 'Orders',
        methods: METHODS,
        flags,
        recorder,
      }),
    ).toThrow('Orders: the new repository has no method get');
    const clash = { ...oldRepo, whenIdle: () => Promise.resolve(undefined) };
    expect(() =>
      createMigratingRepository(clash, clash, {
        name: 'Orders',
        methods: { ...METHODS, whenIdle: 'read' },
        flags,
        recorder,
      }),
    ).toThrow(/may not be called whenIdle/);
  });
});
