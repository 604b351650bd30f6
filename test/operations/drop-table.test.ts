import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { parsePlan } from '../../src/plan/load.js';
import { lintPlan } from '../../src/lint/lint-plan.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

describe('drop_table SQL', () => {
  it('guards against dependents, then drops without CASCADE under ACCESS EXCLUSIVE; removes a table object', () => {
    const [step] = forward('drop_table', { name: 'sales.Legacy' }, 'contract') as SqlStep[];
    const [sql] = sqlOf([step!]);
    expect(sql).toMatch(/^DO \$schemashift\$/);
    expect(sql).toContain(`to_regclass('sales."Legacy"')`);
    expect(sql!.split('\n').at(-1)).toBe('DROP TABLE IF EXISTS sales."Legacy"');
    expect(step).toMatchObject({
      phase: 'contract',
      lock: { level: 'ACCESS EXCLUSIVE', impact: 'blocks-all', on: ['sales.Legacy'] },
      transactional: true,
      effect: { does: 'remove', object: { kind: 'table', name: 'sales.Legacy' } },
    });
  });

  it('cannot be undone: the rows are gone', () => {
    expect(inverse('drop_table', { name: 'legacy' }, 'contract')).toEqual({
      irreversible: expect.stringContaining('dropping table legacy cannot be undone: its rows are gone'),
    });
  });

  it.each([[{ name: 'x; DROP DATABASE y' }], [{ name: 'legacy', cascade: true }], [{}]])('refuses %j', (spec) => {
    expect(() => parseSpec('drop_table', spec)).toThrow();
  });

  it('only under contract: listed under expand or migrate the plan is refused; under contract lint is clean', async () => {
    const yaml = (phase: string) => `name: drop-legacy\nphases:\n  ${phase}:\n    - drop_table: { name: legacy }\n`;
    for (const phase of ['expand', 'migrate']) {
      await expect(parsePlan('p.yaml', yaml(phase))).rejects.toThrow(`\`drop_table\` cannot be listed under ${phase}`);
    }
    expect(lintPlan(await parsePlan('p.yaml', yaml('contract')))).toEqual([]);
  });
});

describe.each(engines)('drop_table on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.exec('DROP VIEW IF EXISTS legacy_view; DROP TABLE IF EXISTS child, legacy CASCADE');
    await db.exec(`CREATE TABLE legacy (id int PRIMARY KEY, parent int REFERENCES legacy (id), n serial,
      g int GENERATED ALWAYS AS (id * 2) STORED CHECK (g > 0)); CREATE INDEX legacy_n_idx ON legacy (n);
      INSERT INTO legacy (id) VALUES (1), (2)`);
  });

  const exists = async () =>
    (await db.query<{ t: string | null }>(`SELECT to_regclass('legacy')::text AS t`))[0]?.t !== null;

  it('drops a table with only its own parts (self FK, serial, generated column, index); probe false, then true', async () => {
    const [step] = forward('drop_table', { name: 'legacy' }, 'contract') as SqlStep[];
    expect(await probe(db, step!)).toBe(false);
    await applySql(db, [step!]);
    expect(await exists()).toBe(false);
    expect(await probe(db, step!)).toBe(true);
    expect(await db.query(`SELECT to_regclass('legacy_n_seq') AS s`)).toEqual([{ s: null }]);
    await applySql(db, [step!]);
  });

  it('refuses, naming every dependent, while a view or another table’s foreign key depends on it; drops nothing', async () => {
    await db.exec(`CREATE TABLE child (id int, legacy_id int CONSTRAINT child_legacy_fkey REFERENCES legacy (id));
      CREATE VIEW legacy_view AS SELECT id FROM legacy`);
    const [step] = forward('drop_table', { name: 'legacy' }, 'contract') as SqlStep[];
    const error = (await applySql(db, [step!]).catch((e: unknown) => e)) as {
      code: string;
      message: string;
      hint?: string;
    };
    expect(error.code).toBe('2BP01');
    expect(error.message).toBe(
      'cannot drop table legacy: other objects depend on it: constraint child_legacy_fkey on table child, view legacy_view',
    );
    expect(await exists()).toBe(true);
    expect(await probe(db, step!)).toBe(false);
    await db.exec('DROP VIEW legacy_view; ALTER TABLE child DROP CONSTRAINT child_legacy_fkey');
    await applySql(db, [step!]);
    expect(await exists()).toBe(false);
  });
});
