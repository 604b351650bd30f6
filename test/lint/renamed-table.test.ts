import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { checkPlanAgainstSchema, DEFAULT_DATABASE_CHECK_OPTIONS } from '../../src/lint/database/index.js';
import type { LiveSchema } from '../../src/introspect/live-schema.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { lint } from './helpers.js';

const plan = (...expand: string[]) => `name: t\nphases:\n  expand:\n${expand.map((e) => `    - ${e}\n`).join('')}`;
const RENAME = 'rename_table: { from: sales.orders, to: purchase_orders }';

const found = async (yaml: string) =>
  (await lint(yaml))
    .filter((f) => f.rule === 'old-table-name-after-rename' || f.rule === 'column-hidden-from-old-name')
    .map((f) => `${f.at.line} ${f.severity} ${f.rule}: ${f.message}`);

describe('plan lint around rename_table', () => {
  it('a step after the rename that still names the old table is an error', async () => {
    const findings = await found(
      plan(RENAME, 'add_column: { table: sales.orders, column: { name: note, type: text } }'),
    );
    expect(findings).toEqual([
      expect.stringMatching(
        /^5 error old-table-name-after-rename: add_column:sales.orders.note works on sales.orders, which rename_table:sales.orders \(line 4\) has renamed to sales.purchase_orders by then/,
      ),
    ]);
  });

  it('so are the later steps of a composite change listed before the rename', async () => {
    const findings = await found(
      plan('rename_column: { table: sales.orders, from: note, to: remark, type: text }', RENAME),
    );
    expect(findings).toEqual([
      expect.stringMatching(
        /^4 error old-table-name-after-rename: rename_column:sales.orders.note\/backfill runs after/,
      ),
    ]);
  });

  it('a materialized view reading the old name would depend on the view and block contract', async () => {
    const findings = await found(
      plan(RENAME, 'create_materialized_view: { name: totals, query: "SELECT count(*) FROM sales.orders" }'),
    );
    expect(findings).toEqual([
      expect.stringMatching(
        /^5 error old-table-name-after-rename: create_materialized_view:totals reads sales.orders, .* contract's DROP VIEW sales.orders fails/,
      ),
    ]);
  });

  it('a column added to the renamed table afterwards is a warning: the view does not show it', async () => {
    const findings = await found(
      plan(RENAME, 'add_column: { table: sales.purchase_orders, column: { name: note, type: text } }'),
    );
    expect(findings).toEqual([
      expect.stringMatching(
        /^5 warning column-hidden-from-old-name: note is added to sales.purchase_orders after rename_table/,
      ),
    ]);
  });

  it('steps before the rename, and steps on the new name, are fine', async () => {
    expect(
      await found(
        plan(
          'add_column: { table: sales.orders, column: { name: note, type: text } }',
          RENAME,
          'create_index: { table: sales.purchase_orders, name: po_note_idx, columns: [note] }',
        ),
      ),
    ).toEqual([]);
    expect((await lint(plan(RENAME))).map((f) => f.rule)).toEqual([]);
  });
});

describe.skipIf(!postgresAdminUrl)('validate --database of rename_table', () => {
  let db: TestDatabase;
  let live: LiveSchema;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_rename_table_validate');
    await db.exec(`CREATE SCHEMA sales; CREATE TABLE sales.orders (id int PRIMARY KEY, note text);
      CREATE TABLE sales.taken (); CREATE VIEW sales.v AS SELECT 1 AS one;`);
    const conn = await connect(db.url!);
    live = await postgres.introspect.liveSchema(conn).finally(() => conn.close());
  });
  afterAll(() => db?.close());

  const check = async (yaml: string, server = live.server) =>
    checkPlanAgainstSchema(
      compilePlan(await parsePlan('plans/t.yaml', yaml)),
      { ...live, server },
      () => undefined,
      DEFAULT_DATABASE_CHECK_OPTIONS,
    ).map((f) => `${f.at.line} ${f.rule}: ${f.message}`);

  it('a table to rename and a free new name: clean; afterwards the new name is the table', async () => {
    expect(
      await check(plan(RENAME, 'create_index: { table: sales.purchase_orders, name: po_note_idx, columns: [note] }')),
    ).toEqual([]);
  });

  it('after the step the new name is the table with its columns: a typo on it is still caught', async () => {
    expect(
      await check(plan(RENAME, 'create_index: { table: sales.purchase_orders, name: po_nope_idx, columns: [nope] }')),
    ).toEqual([expect.stringMatching(/^5 db-missing-column: column nope does not exist on purchase_orders/)]);
  });

  it('refuses a taken new name, a view, a missing table', async () => {
    expect(
      await check(
        plan(
          'rename_table: { from: sales.orders, to: taken }',
          'rename_table: { from: sales.v, to: w }',
          'rename_table: { from: sales.nope, to: w2 }',
        ),
      ),
    ).toEqual([
      '4 db-name-taken: sales.taken already exists (a table): `run` fails at the rename and changes nothing',
      '5 db-name-taken: sales.v is a view, not a table: rename_table renames tables',
      expect.stringMatching(/^6 db-missing-table: table sales.nope does not exist/),
    ]);
  });

  it('refuses a server older than PostgreSQL 15 (no security_invoker views)', async () => {
    expect(await check(plan(RENAME), { version: '14.9', versionNum: 140009 })).toEqual([
      expect.stringMatching(/^4 db-server-version: rename_table leaves a security_invoker view .* needs PostgreSQL 15/),
    ]);
  });
});
