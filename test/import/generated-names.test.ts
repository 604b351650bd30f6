/**
 * Names PostgreSQL chooses itself: a migration whose keys, checks, foreign keys and indexes are
 * unnamed, on a table and columns long enough that the server cuts the generated names to 63 bytes,
 * imported and run, ends with the very names the SQL as written gets (so a later migration that
 * names one of them finds it). A CHECK reading one column twice is named after that column.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newImportMemory } from '../../src/dialects/import.js';
import { generatedName } from '../../src/dialects/postgres/import/object-name.js';
import { postgresImporter } from '../../src/dialects/postgres/import/read-migration.js';
import { cli } from '../cli/cli-support.js';
import {
  createPostgresDatabase,
  postgresAdminUrl,
  postgresSkipReason,
  type TestDatabase,
} from '../support/databases.js';

const TABLE = 'customer_loyalty_programme_enrolments_by_region';
const MIGRATION = `
CREATE TABLE ${TABLE} (
  enrolment_identifier bigint,
  customer_identifier_from_the_crm bigint NOT NULL,
  region_code_as_iso_3166_subdivision text NOT NULL,
  points integer,
  PRIMARY KEY (enrolment_identifier),
  UNIQUE (customer_identifier_from_the_crm, region_code_as_iso_3166_subdivision),
  CHECK (region_code_as_iso_3166_subdivision <> ''),
  CHECK (length(region_code_as_iso_3166_subdivision) < 12),
  CHECK (points >= 0 AND points < 1000000)
);
CREATE TABLE crm_customers_with_a_rather_long_table_name (customer_identifier_from_the_crm bigint PRIMARY KEY);
ALTER TABLE ${TABLE} ADD FOREIGN KEY (customer_identifier_from_the_crm)
  REFERENCES crm_customers_with_a_rather_long_table_name (customer_identifier_from_the_crm);
ALTER TABLE ${TABLE} ADD CHECK (points > -1 OR points IS NULL);
CREATE INDEX ON ${TABLE} (region_code_as_iso_3166_subdivision, customer_identifier_from_the_crm, points);
CREATE TABLE short_names (a int CHECK (a > 0), b int CHECK (a < 100) UNIQUE, CHECK (a <> 5), UNIQUE (a, b));
ALTER TABLE short_names ADD CHECK (a <> 7);
CREATE INDEX ON short_names (a);
CREATE INDEX ON short_names (a) WHERE a > 10;
CREATE TABLE exprs (a text, b text, c int);
CREATE INDEX ON exprs ((a::int));
CREATE INDEX ON exprs ((coalesce(a, b)));
CREATE INDEX ON exprs (c) INCLUDE (b);
CREATE INDEX ON exprs ((CASE WHEN c > 0 THEN a END));
CREATE INDEX ON exprs ((CASE WHEN c > 0 THEN a ELSE b END));
CREATE INDEX ON exprs (lower(a), lower(b));
CREATE INDEX ON exprs (a, a);
CREATE INDEX ON exprs ((a || b));
CREATE INDEX ON exprs ((nullif(a, b)));
CREATE INDEX ON exprs ((greatest(c, 1)));
CREATE INDEX ON exprs (('x'::text || a));
`;

const NAMES = `SELECT 'constraint' AS kind, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
                 WHERE connamespace = 'public'::regnamespace
               UNION ALL
               SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
               ORDER BY 1, 2`;

describe('generatedName: PostgreSQL makeObjectName', () => {
  it('keeps short names whole and cuts the longer part first, never the label', () => {
    expect(generatedName('orders', 'customer_id', 'fkey')).toBe('orders_customer_id_fkey');
    expect(generatedName('orders', undefined, 'pkey')).toBe('orders_pkey');
    const long = generatedName('a'.repeat(40), 'b'.repeat(40), 'check1');
    expect(long).toBe(`${'a'.repeat(28)}_${'b'.repeat(27)}_check1`);
    expect(Buffer.byteLength(long)).toBe(63);
  });

  it('never cuts inside a character', () => {
    const name = generatedName('é'.repeat(40), undefined, 'pkey');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(name).toBe(`${'é'.repeat(29)}_pkey`);
  });
});

describe.skipIf(!postgresAdminUrl)(`import: the names PostgreSQL would choose ${postgresSkipReason ?? ''}`, () => {
  let direct: TestDatabase;
  let planned: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-import-names-'));

  beforeAll(async () => {
    [direct, planned] = await Promise.all([
      createPostgresDatabase('ss_import_names_a'),
      createPostgresDatabase('ss_import_names_b'),
    ]);
  });
  afterAll(async () => {
    await direct?.close();
    await planned?.close();
  });

  it('imports and runs to the catalog names of the SQL as written, cut to 63 bytes where PostgreSQL cuts them', async () => {
    writeFileSync(join(dir, 'names.sql'), MIGRATION);
    const imported = await cli(['import', 'names.sql', '--name', 'long-names'], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    const plan = readFileSync(join(dir, 'plans/long-names.yaml'), 'utf8');
    expect(plan).not.toContain('- sql:');

    const run = await cli(['run', 'plans/long-names.yaml', '--yes', '--database', planned.url!], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await direct.exec(MIGRATION);

    const written = await direct.query<{ name: string }>(NAMES);
    expect(written.filter((r) => r.name.length === 63).length).toBeGreaterThanOrEqual(5);
    expect(written.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        `${TABLE}_points_check`,
        'short_names_a_check3',
        'short_names_b_key',
        'short_names_a_b_key',
        'short_names_a_idx1',
        'exprs_a_idx',
        'exprs_coalesce_idx',
        'exprs_c_b_idx',
        'exprs_case_idx',
        'exprs_b_idx',
        'exprs_lower_lower1_idx',
        'exprs_a_a1_idx',
        'exprs_expr_idx1',
      ]),
    );
    expect(await planned.query(NAMES)).toEqual(written);
  }, 240_000);
});

const EXISTING = `CREATE TABLE orders (id bigint PRIMARY KEY, qty integer CHECK (qty > 0));
CREATE INDEX ON orders (qty);`;
const MORE = `ALTER TABLE orders ADD CHECK (qty < 1000);
CREATE INDEX ON orders (qty) WHERE qty > 10;`;

describe.skipIf(!postgresAdminUrl)(
  `import --database: numbered past the catalog's names ${postgresSkipReason ?? ''}`,
  () => {
    let direct: TestDatabase;
    let planned: TestDatabase;
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-import-taken-'));

    beforeAll(async () => {
      [direct, planned] = await Promise.all([
        createPostgresDatabase('ss_import_taken_a'),
        createPostgresDatabase('ss_import_taken_b'),
      ]);
      await Promise.all([direct.exec(EXISTING), planned.exec(EXISTING)]);
    });
    afterAll(async () => {
      await direct?.close();
      await planned?.close();
    });

    it('names the new check and index …1 because the database has the unnumbered ones, and runs to the same catalog', async () => {
      writeFileSync(join(dir, 'more.sql'), MORE);
      const imported = await cli(['import', 'more.sql', '--database', planned.url!], { cwd: dir });
      expect(imported.code, imported.stderr).toBe(0);
      const plan = readFileSync(join(dir, 'plans/more.yaml'), 'utf8');
      expect(plan).toContain('name: orders_qty_check1');
      expect(plan).toContain('name: orders_qty_idx1');

      const run = await cli(['run', 'plans/more.yaml', '--yes', '--database', planned.url!], { cwd: dir });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      await direct.exec(MORE);
      expect(await planned.query(NAMES)).toEqual(await direct.query(NAMES));
    }, 240_000);
  },
);

/** The names of the indexes and constraints the imported steps create, in order. */
function importedNames(sql: string): { names: string[]; raw: number } {
  const result = postgresImporter.read(sql, newImportMemory());
  if (!result.ok) throw new Error(result.error.message);
  const steps = result.statements.flatMap((s) => s.steps.map((x) => x.step));
  const names = steps.flatMap((step) => {
    const [kind, spec] = Object.entries(step)[0] as [string, { name?: string }];
    return kind === 'sql' || kind === 'create_table' || typeof spec.name !== 'string' ? [] : [spec.name];
  });
  return { names, raw: result.statements.filter((s) => s.raw).length };
}

describe.skipIf(!postgresAdminUrl)(
  `import: names taken by SQL kept as written, and renames ${postgresSkipReason ?? ''}`,
  () => {
    let db: TestDatabase;
    beforeAll(async () => {
      await postgresImporter.load();
      db = await createPostgresDatabase('ss_import_names_raw');
    });
    afterAll(() => db?.close());

    /** What PostgreSQL names the objects `sql` creates, for the ones listed. */
    async function serverNames(sql: string, wanted: string): Promise<string[]> {
      await db.exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public; ${sql}`);
      const rows = await db.query<{ name: string }>(wanted);
      return rows.map((r) => r.name);
    }

    it.each([
      [
        'an index kept raw (storage options) takes its name',
        'CREATE TABLE t (a int); CREATE INDEX t_a_idx ON t (a) WITH (fillfactor = 70); CREATE INDEX ON t (a);',
        "SELECT indexname AS name FROM pg_indexes WHERE tablename = 't' AND indexname <> 't_a_idx'",
        1,
      ],
      [
        'a view kept raw takes its name from an index',
        'CREATE VIEW v_x_idx AS SELECT 1 AS x; CREATE TABLE v (x int); CREATE INDEX ON v (x);',
        "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'v'",
        1,
      ],
      [
        'a renamed constraint frees its name',
        'CREATE TABLE t (a int CHECK (a > 0)); ALTER TABLE t RENAME CONSTRAINT t_a_check TO a_positive; ALTER TABLE t ADD CHECK (a > 1);',
        "SELECT conname AS name FROM pg_constraint WHERE conrelid = 't'::regclass AND conname <> 'a_positive'",
        0,
      ],
    ])('%s', async (_what, sql, wanted, raw) => {
      const imported = importedNames(sql);
      expect(imported.raw).toBe(raw);
      expect(imported.names.filter((n) => n !== 'a_positive')).toEqual(await serverNames(sql, wanted));
    });

    it('a key written twice on the same columns keeps its CREATE TABLE as written (PostgreSQL builds one index)', () => {
      for (const sql of [
        'CREATE TABLE t (id int PRIMARY KEY UNIQUE);',
        'CREATE TABLE t (a int UNIQUE, b int, UNIQUE (a));',
      ]) {
        const result = postgresImporter.read(sql, newImportMemory());
        expect(result.ok && result.statements[0]?.raw, sql).toBe(true);
        expect(JSON.stringify(result), sql).toContain('PostgreSQL keeps one index for both');
      }
    });
  },
);
