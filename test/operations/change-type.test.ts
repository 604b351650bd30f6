import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import type { BackfillStep, SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { forward, inverse, parseSpec, sqlOf, runPhase } from '../support/operations.js';

const FN = 'schemashift_sync_items_qty_new';

describe('change_type steps', () => {
  it('spans expand, migrate and contract from one entry under expand; swaps in one transaction', () => {
    expect(findOperation('change_type')?.allowedPhases).toEqual(['expand']);
    const steps = forward('change_type', { table: 'items', column: 'qty', type: 'bigint', backfill: { key: ['id'] } });
    expect(steps.map((s) => [s.id, s.phase, s.kind])).toEqual([
      ['change_type:test', 'expand', 'sql'],
      ['change_type:test/sync-function', 'expand', 'sql'],
      ['change_type:test/sync-trigger', 'expand', 'sql'],
      ['change_type:test/backfill', 'migrate', 'backfill'],
      ['change_type:test/verify', 'migrate', 'verify'],
      ['change_type:test/deploy', 'migrate', 'gate'],
      ['change_type:test/swap', 'contract', 'sql'],
      ['change_type:test/drop-sync-function', 'contract', 'sql'],
    ]);
    const sql = sqlOf(steps);
    expect(sql[0]).toBe('ALTER TABLE items ADD COLUMN qty_new bigint');
    expect(sql[1]).toContain('NEW.qty_new := NEW.qty::bigint;');
    expect(sql[1]).not.toContain('NEW.qty :=');
    expect(sql[2]).toBe(`CREATE TRIGGER ${FN} BEFORE INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION ${FN}()`);
    expect((steps[3] as BackfillStep).batchSql).toBe(
      '(SELECT items.id::text AS k1 FROM items WHERE (id) > ($1) AND (qty_new IS DISTINCT FROM (qty::bigint)) ORDER BY items.id OFFSET $2 - 1 LIMIT 1) UNION ALL (SELECT items.id::text AS k1 FROM items WHERE (id) > ($1) AND (qty_new IS DISTINCT FROM (qty::bigint)) ORDER BY items.id DESC LIMIT 1) LIMIT 1;\n' +
        'UPDATE items SET qty_new = (qty::bigint) WHERE (id) > ($1) AND (id) <= ($2) AND (qty_new IS DISTINCT FROM (qty::bigint))',
    );
    expect(steps[4]).toMatchObject({ kind: 'verify', table: 'items', compare: { qty_new: 'qty::bigint' } });
    expect(steps[5]).toMatchObject({
      confirm: expect.stringMatching(/^Deploy the application version that works with qty as bigint/),
    });
    expect(steps[6]).toMatchObject({ transactional: true, lock: { level: 'ACCESS EXCLUSIVE', on: ['items'] } });
    expect(sql.slice(6)).toEqual([
      `DROP TRIGGER IF EXISTS ${FN} ON items;\nALTER TABLE items DROP COLUMN qty;\nALTER TABLE items RENAME COLUMN qty_new TO qty`,
      `DROP FUNCTION IF EXISTS ${FN}()`,
    ]);
  });

  it('uses `using` both ways with reverse_using, and a chosen temp column', () => {
    const steps = forward('change_type', {
      table: 'codes',
      column: 'code',
      type: 'integer',
      using: "nullif(code, '')::integer",
      reverse_using: 'code_int::text',
      temp_column: 'code_int',
      not_null: true,
    });
    const sql = sqlOf(steps);
    expect(sql[0]).toBe('ALTER TABLE codes ADD COLUMN code_int integer');
    expect(sql[1]).toContain("NEW.code_int := nullif(NEW.code, '')::integer;");
    expect(sql[1]).toContain('NEW.code := NEW.code_int::text;');
    expect(steps.filter((s) => s.phase === 'migrate').map((s) => s.id.replace('change_type:test/', ''))).toEqual([
      'backfill',
      'verify',
      'not-null-check',
      'not-null-validate',
      'set-not-null',
      'drop-not-null-check',
      'deploy',
    ]);
    expect(sql).toContain('ALTER TABLE codes ALTER COLUMN code_int SET NOT NULL');
    expect(sql.join('\n')).toContain(
      'ALTER TABLE codes DROP COLUMN code;\nALTER TABLE codes RENAME COLUMN code_int TO code',
    );
  });

  it('inverse removes the sync trigger and function, then the temp column', () => {
    const undo = inverse('change_type', { table: 'items', column: 'qty', type: 'bigint' });
    if (!('steps' in undo)) throw new Error('expected reversible');
    expect(sqlOf(undo.steps)).toEqual([
      `DROP TRIGGER IF EXISTS ${FN} ON items`,
      `DROP FUNCTION IF EXISTS ${FN}()`,
      'ALTER TABLE items DROP COLUMN IF EXISTS qty_new',
    ]);
  });

  it.each([
    ['reverse_using that does not read the temp column', { reverse_using: 'qty::int' }, /does not read qty_new/],
    ['a temp column named like the column', { temp_column: 'qty' }, /the column itself/],
    ['a bad type', { type: 'big int;' }, /not a SQL type/],
    ['a using that does not parse', { using: 'qty::' }, /does not parse/],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => parseSpec('change_type', { table: 'items', column: 'qty', type: 'bigint', ...patch })).toThrow(
      message,
    );
  });
});

const columnsOf = (db: TestDatabase, table: string) =>
  db.query(
    `SELECT column_name, format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute JOIN information_schema.columns ON column_name = attname AND table_name = '${table}' WHERE attrelid = '${table}'::regclass ORDER BY ordinal_position`,
  );

describe.each(engines)('change_type on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  /** Old-only and new-only writers, INSERT and UPDATE; then both columns agree on every row. */
  async function writeBothWays(
    table: string,
    column: string,
    ids: number[],
    oldValue: string,
    newValue: string,
    agree: string,
  ): Promise<void> {
    const [a, b, c, d] = ids;
    await db.exec(`INSERT INTO ${table} (id, ${column}) VALUES (${a}, ${oldValue})`);
    await db.exec(`INSERT INTO ${table} (id, ${column}_new) VALUES (${b}, ${newValue})`);
    await db.exec(`UPDATE ${table} SET ${column} = ${oldValue} WHERE id = ${c}`);
    await db.exec(`UPDATE ${table} SET ${column}_new = ${newValue} WHERE id = ${d}`);
    expect(await db.query(`SELECT id FROM ${table} WHERE id IN (${ids.join(', ')}) AND NOT (${agree})`)).toEqual([]);
  }

  it('int → bigint, both ways, NOT NULL kept: every value preserved', async () => {
    await db.exec('CREATE TABLE ct_items (id int PRIMARY KEY, qty int NOT NULL, label text)');
    await db.exec("INSERT INTO ct_items SELECT i, i * 3, 'item ' || i FROM generate_series(1, 150) AS i");
    const spec = {
      table: 'ct_items',
      column: 'qty',
      type: 'bigint',
      reverse_using: 'qty_new::integer',
      not_null: true,
      backfill: { key: ['id'], batch: { size: 40 } },
    };
    const steps = forward('change_type', spec);
    const agree = 'qty_new IS NOT DISTINCT FROM qty::bigint';

    await runPhase(db, steps, 'expand');
    await writeBothWays('ct_items', 'qty', [1001, 1002, 1, 2], '7', '2147483647', agree);
    await runPhase(db, steps, 'migrate');
    expect(await db.query(`SELECT id FROM ct_items WHERE NOT (${agree})`)).toEqual([]);
    await writeBothWays('ct_items', 'qty', [1003, 1004, 3, 4], '9', '10', agree);
    const before = await db.query<{ id: number; qty: number }>('SELECT id, qty FROM ct_items ORDER BY id');

    const swap = steps.find((s) => s.id.endsWith('/swap')) as SqlStep;
    expect(Object.values((await db.query(swap.probe!))[0] ?? {})).toEqual([false]);
    await runPhase(db, steps, 'contract');
    expect(Object.values((await db.query(swap.probe!))[0] ?? {})).toEqual([true]);
    expect(await columnsOf(db, 'ct_items')).toEqual([
      { column_name: 'id', type: 'integer', attnotnull: true },
      { column_name: 'label', type: 'text', attnotnull: false },
      { column_name: 'qty', type: 'bigint', attnotnull: true },
    ]);
    const after = await db.query<{ id: number; qty: string | number }>('SELECT id, qty FROM ct_items ORDER BY id');
    expect(after.map((r) => [r.id, Number(r.qty)])).toEqual(before.map((r) => [r.id, r.qty]));
    expect(after).toHaveLength(154);
    expect(await db.query("SELECT proname FROM pg_proc WHERE proname = 'schemashift_sync_ct_items_qty_new'")).toEqual(
      [],
    );
  });

  it("text → integer with using: nullif(code, '')::integer", async () => {
    await db.exec('CREATE TABLE ct_codes (id int PRIMARY KEY, code text)');
    await db.exec(
      "INSERT INTO ct_codes SELECT i, CASE WHEN i % 5 = 0 THEN '' WHEN i % 7 = 0 THEN NULL ELSE (i * 11)::text END FROM generate_series(1, 120) AS i",
    );
    const original = await db.query<{ id: number; code: string | null }>('SELECT id, code FROM ct_codes ORDER BY id');
    const spec = {
      table: 'ct_codes',
      column: 'code',
      type: 'integer',
      using: "nullif(code, '')::integer",
      reverse_using: 'code_new::text',
      backfill: { key: ['id'], batch: { size: 25 } },
    };
    const steps = forward('change_type', spec);
    const agree = "code_new IS NOT DISTINCT FROM nullif(code, '')::integer";

    await runPhase(db, steps, 'expand');
    await writeBothWays('ct_codes', 'code', [1001, 1002, 1, 2], "'42'", '43', agree);
    await runPhase(db, steps, 'migrate');
    expect(await db.query(`SELECT id FROM ct_codes WHERE NOT (${agree})`)).toEqual([]);
    // '' converts to NULL, which code_new already holds: the backfill leaves those rows (and their old value) alone.
    expect(await db.query("SELECT count(*)::int AS n FROM ct_codes WHERE code = ''")).toEqual([{ n: 24 }]);
    await writeBothWays('ct_codes', 'code', [1003, 1004, 3, 4], "''", '44', agree);

    await runPhase(db, steps, 'contract');
    expect(await columnsOf(db, 'ct_codes')).toEqual([
      { column_name: 'id', type: 'integer', attnotnull: true },
      { column_name: 'code', type: 'integer', attnotnull: false },
    ]);
    const expected = new Map(original.map((r) => [r.id, r.code === null || r.code === '' ? null : Number(r.code)]));
    for (const [id, code] of [
      [1001, 42],
      [1002, 43],
      [1, 42],
      [2, 43],
      [1003, null],
      [1004, 44],
      [3, null],
      [4, 44],
    ] as const)
      expected.set(id, code);
    const after = await db.query<{ id: number; code: number | null }>('SELECT id, code FROM ct_codes ORDER BY id');
    expect(after.map((r) => [r.id, r.code])).toEqual([...expected].sort((x, y) => x[0] - y[0]));
  });

  it('inverse after expand restores the original schema', async () => {
    await db.exec('CREATE TABLE ct_undo (id int PRIMARY KEY, qty int NOT NULL)');
    await db.exec('INSERT INTO ct_undo VALUES (1, 10), (2, 20)');
    const original = await columnsOf(db, 'ct_undo');
    const spec = { table: 'ct_undo', column: 'qty', type: 'bigint', reverse_using: 'qty_new::integer' };
    await runPhase(db, forward('change_type', spec), 'expand');
    await db.exec('INSERT INTO ct_undo (id, qty_new) VALUES (3, 30)');
    const undo = inverse('change_type', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await runPhase(db, undo.steps, 'expand');
    expect(await columnsOf(db, 'ct_undo')).toEqual(original);
    expect(await db.query('SELECT id, qty FROM ct_undo ORDER BY id')).toEqual([
      { id: 1, qty: 10 },
      { id: 2, qty: 20 },
      { id: 3, qty: 30 },
    ]);
    expect(
      await db.query("SELECT tgname FROM pg_trigger WHERE tgrelid = 'ct_undo'::regclass AND NOT tgisinternal"),
    ).toEqual([]);
    expect(await db.query("SELECT proname FROM pg_proc WHERE proname = 'schemashift_sync_ct_undo_qty_new'")).toEqual(
      [],
    );
  });
});
