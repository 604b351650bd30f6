/**
 * Hostile names and values in every name and SQL-fragment field of every operation. Each placement
 * is either refused when the plan is loaded (exit 2 with a position) or, when accepted, generates
 * statements of exactly the shape the plain spec generates (same steps, same statement kinds), and
 * running those statements on a scratch PostgreSQL database leaves the canary table untouched.
 * Raw `sql` steps (up/down) are the user's own statements by design and are not placed into.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PlanError } from '../../src/errors.js';
import { sqlTextsOf } from '../../src/plan/generated-sql.js';
import { parsePlan } from '../../src/plan/load.js';
import type { Plan, PlanEntry } from '../../src/plan/types.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { parseSql } from '../../src/dialects/postgres/sql/parser.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const HOSTILE: string[] = [
  '"',
  "'",
  '`',
  ';',
  '--',
  '/*',
  '*/',
  '\\',
  '$$',
  '$tag$',
  '$1',
  '%s',
  '{{x}}',
  '?',
  'x"; DROP TABLE vault.canary; --',
  "'; DROP TABLE vault.canary; --",
  '"; DROP TABLE vault.canary; --',
  "x'); DROP TABLE vault.canary; --",
  '1; DROP TABLE vault.canary',
  'DROP TABLE vault.canary',
  "'x' --",
  'total >= 0 --',
  'true OR false',
  '1) OR (1=1',
  'x IS NULL); DELETE FROM vault.canary; --',
  '/* */ 1',
  '$$; DROP TABLE vault.canary; $$',
  '$schemashift$; DROP TABLE IF EXISTS vault.canary; SELECT $schemashift$',
  "E'\\'; DROP TABLE vault.canary; --'",
  "\\'; DROP TABLE vault.canary; --",
  'U&"\\0061"',
  "U&'\\0027; DROP TABLE vault.canary; --'",
  'a\u0000b',
  'a\nb; DROP TABLE vault.canary',
  'a\r\nDROP TABLE vault.canary',
  '\u0430dmin',
  '\uFF53\uFF45\uFF4C\uFF45\uFF43\uFF54',
  'a\u202eb',
  'x'.repeat(64),
  'y'.repeat(10_000),
  '1 UNION SELECT 1',
  '(WITH d AS (DELETE FROM vault.canary RETURNING 1) SELECT 1)',
  '(SELECT count(*) FROM vault.canary FOR UPDATE)',
  'WITH d AS (DELETE FROM vault.canary RETURNING 1) SELECT count(*) FROM d',
  'SELECT 1 INTO vault.copy',
  'a.b.c',
  'int; DROP TABLE vault.canary',
  "''''",
  '*',
  `"a'b"`,
  '"x""y"',
  "'a;b -- c /* d'",
];

type Base = { kind: string; phase: 'expand' | 'migrate' | 'contract'; spec: Record<string, unknown> };

/** Every operation with every string field filled; the hostile value goes into each field in turn. */
const BASES: Base[] = [
  {
    kind: 'add_column',
    phase: 'expand',
    spec: {
      table: 'orders',
      column: { name: 'note2', type: 'text' },
      sync_from: { column: 'note', expression: 'upper(note)', reverse: 'lower(note2)' },
    },
  },
  {
    kind: 'add_column',
    phase: 'expand',
    spec: { table: 'orders', column: { name: 'note3', type: 'varchar(20)', nullable: false, default: "'x'" } },
  },
  { kind: 'add_check', phase: 'expand', spec: { table: 'orders', name: 'orders_total_ck', expression: 'total >= 0' } },
  {
    kind: 'add_foreign_key',
    phase: 'expand',
    spec: {
      table: 'orders',
      name: 'orders_customer_fk',
      columns: ['customer_id'],
      references: { table: 'customers', columns: ['id'] },
    },
  },
  {
    kind: 'add_unique',
    phase: 'expand',
    spec: { table: 'customers', name: 'customers_email_key', columns: ['email'], index: 'customers_email_idx' },
  },
  {
    kind: 'change_type',
    phase: 'expand',
    spec: {
      table: 'orders',
      column: 'qty',
      type: 'bigint',
      using: 'qty::bigint',
      reverse_using: 'qty_new::int',
      temp_column: 'qty_new',
    },
  },
  {
    kind: 'create_index',
    phase: 'expand',
    spec: {
      table: 'orders',
      name: 'orders_total_idx',
      columns: ['total'],
      expressions: ['lower(note)'],
      where: 'total > 0',
      include: ['id'],
    },
  },
  {
    kind: 'create_materialized_view',
    phase: 'expand',
    spec: { name: 'daily', query: 'SELECT count(*) AS n FROM orders' },
  },
  { kind: 'refresh_materialized_view', phase: 'migrate', spec: { name: 'daily' } },
  { kind: 'schedule_refresh', phase: 'expand', spec: { name: 'daily', schedule: '0 * * * *' } },
  {
    kind: 'replace_materialized_view',
    phase: 'expand',
    spec: {
      name: 'daily',
      query: 'SELECT 1 AS n',
      unique_index: { columns: ['n'] },
      indexes: [{ name: 'daily_n_idx', columns: ['n'] }],
    },
  },
  {
    kind: 'rename_column',
    phase: 'expand',
    spec: { table: 'orders', from: 'client_id', to: 'customer_ref', type: 'integer' },
  },
  { kind: 'set_not_null', phase: 'migrate', spec: { table: 'orders', column: 'total', check_name: 'orders_total_nn' } },
  { kind: 'validate_constraint', phase: 'migrate', spec: { table: 'orders', name: 'orders_total_ck' } },
  {
    kind: 'backfill',
    phase: 'migrate',
    spec: {
      table: 'orders',
      set: { note: "'x'" },
      where: 'note IS NULL',
      key: ['id'],
      throttle: { query: 'SELECT 0', above: 1 },
    },
  },
  {
    kind: 'check',
    phase: 'migrate',
    spec: { sql: 'SELECT count(*) FROM orders', expect: 0, message: 'orders are empty' },
  },
  { kind: 'gate', phase: 'migrate', spec: { confirm: 'deploy first' } },
  {
    kind: 'flag_rollout',
    phase: 'migrate',
    spec: { flag: 'UseNew', stages: [10, 100], guard: { sql: 'SELECT 0', max: 0 } },
  },
  { kind: 'drop_column', phase: 'contract', spec: { table: 'orders', column: 'legacy' } },
  { kind: 'drop_index', phase: 'contract', spec: { table: 'orders', name: 'orders_old_idx' } },
];

type Path = (string | number)[];

/** Paths of every string in the spec, and of every key of a `set:` map (column names). */
function slots(value: unknown, path: Path = []): Path[] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  const keys = path.at(-1) === 'set' ? Object.keys(value).map((k) => [...path, { key: k }] as unknown as Path) : [];
  return [
    ...keys,
    ...Object.entries(value).flatMap(([k, v]) => slots(v, [...path, Array.isArray(value) ? Number(k) : k])),
  ];
}

function place(spec: unknown, path: Path, hostile: string): unknown {
  const copy = structuredClone(spec) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key as string] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number | { key: string };
  if (typeof last === 'object') {
    const value = node[last.key];
    delete node[last.key];
    node[hostile] = value;
  } else node[last] = hostile;
  return copy;
}

function planText(base: Base, spec: unknown): string {
  return stringify({ name: 'hostile', phases: { [base.phase]: [{ [base.kind]: spec }] } });
}

/** Subtrees that hold the plan's expressions and queries: their inner shape is the plan's to choose. */
const EXPRESSION_SLOTS = new Set([
  'raw_default',
  'raw_expr',
  'cooked_default',
  'whereClause',
  'targetList',
  'val',
  'expr',
  'query',
  'fromClause',
  'arg',
  'args',
  'typeName',
]);

/** The skeleton of a statement: its node types outside expression slots, ALTER TABLE subtypes, constraint kinds. */
function skeleton(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => skeleton(n, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (EXPRESSION_SLOTS.has(key)) continue;
      if (/^[A-Z]/.test(key)) out.push(key);
      if ((key === 'subtype' || key === 'contype') && typeof value === 'string') out.push(value);
      skeleton(value, out);
    }
  }
  return out;
}

/** Each step's SQL texts as the skeletons of the statements they hold: the shape of what will run. */
function shapeOf(entry: PlanEntry): string[][] {
  const ctx = { dialect: postgres, id: entry.id, phase: entry.phase, plan: 'hostile' };
  const inverse = entry.op.inverse(entry.spec, ctx);
  const steps = [...entry.op.forward(entry.spec, ctx), ...('steps' in inverse ? inverse.steps : [])];
  return steps.map((step) =>
    sqlTextsOf(postgres, step).flatMap((sql) => {
      const parsed = parseSql(sql);
      return parsed.ok ? (parsed.result.stmts ?? []).map((s) => skeleton(s.stmt).join(' ')) : ['<does not parse>'];
    }),
  );
}

interface Accepted {
  base: Base;
  entry: PlanEntry;
}

describe('hostile names and values', () => {
  const accepted: Accepted[] = [];
  const verdicts = new Map<string, string[]>();

  it(`${HOSTILE.length} hostile values × every field of every operation: refused with a position, or the intended statements`, async () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(41);
    const baselines = new Map<Base, string[][]>();
    for (const base of BASES)
      baselines.set(base, shapeOf((await parsePlan('base.yaml', planText(base, base.spec))).entries[0]!));
    for (const hostile of HOSTILE) {
      const failures: string[] = [];
      for (const base of BASES) {
        const baseline = baselines.get(base)!;
        for (const path of slots(base.spec)) {
          const where = `${base.kind}.${path.map((p) => (typeof p === 'object' ? `<key ${(p as { key: string }).key}>` : p)).join('.')}`;
          const outcome: unknown = await parsePlan(
            'hostile.yaml',
            planText(base, place(base.spec, path, hostile)),
          ).then(
            (plan) => plan,
            (e: unknown) => e,
          );
          if (outcome instanceof PlanError) {
            const unplaced = outcome.problems.filter((p) => !(p.at.line >= 1 && p.at.col >= 1));
            if (unplaced.length > 0) failures.push(`${where}: refused without a position`);
            continue;
          }
          if (outcome instanceof Error || !outcome || typeof outcome !== 'object' || !('entries' in outcome)) {
            failures.push(`${where}: ${String(outcome)}`);
            continue;
          }
          const entry = (outcome as Plan).entries[0]!;
          const shape = shapeOf(entry);
          if (JSON.stringify(shape) !== JSON.stringify(baseline))
            failures.push(
              `${where}: accepted with statements ${JSON.stringify(shape)} instead of ${JSON.stringify(baseline)}`,
            );
          else accepted.push({ base, entry });
        }
      }
      verdicts.set(hostile, failures);
    }
    const passed = HOSTILE.filter((h) => verdicts.get(h)!.length === 0).length;
    console.log(
      `hostile values: ${passed}/${HOSTILE.length} refused or kept to the intended statements (${accepted.length} placements accepted)`,
    );
    expect(Object.fromEntries([...verdicts].filter(([, f]) => f.length > 0))).toEqual({});
  }, 120_000);

  describe.skipIf(!postgresAdminUrl)('the accepted placements, run on PostgreSQL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createPostgresDatabase('schemashift_hostile');
      await db.exec(`
        CREATE SCHEMA vault;
        CREATE TABLE vault.canary (id int PRIMARY KEY); INSERT INTO vault.canary VALUES (1), (2), (3);
        CREATE TABLE customers (id int PRIMARY KEY, email text);
        CREATE TABLE orders (id int PRIMARY KEY, total numeric, note text, qty int, customer_id int, client_id int, legacy text);
        CREATE INDEX orders_old_idx ON orders (legacy);
        SET statement_timeout = '2s'; SET lock_timeout = '1s';`);
    });
    afterAll(async () => db?.close());

    it('leave the canary and the vault schema untouched', async () => {
      let ran = 0;
      for (const { entry } of accepted) {
        const ctx = { dialect: postgres, id: entry.id, phase: entry.phase, plan: 'hostile' };
        for (const sql of entry.op.forward(entry.spec, ctx).flatMap((step) => sqlTextsOf(postgres, step))) {
          if (/\$\d/.test(sql)) continue; // backfill batches take their key range as parameters
          ran++;
          await db.exec(sql).catch(() => undefined);
        }
      }
      expect(ran).toBeGreaterThan(50);
      expect(await db.query('SELECT id FROM vault.canary ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect(
        await db.query("SELECT relname FROM pg_class WHERE relnamespace = 'vault'::regnamespace ORDER BY relname"),
      ).toEqual([{ relname: 'canary' }, { relname: 'canary_pkey' }]);
    }, 120_000);
  });
});
