/** `validate --database` looks up the volatility of functions and operators an add_column default calls (issue 9, item 9). */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

type JsonFinding = { rule: string; line: number; message: string; help: string };

describe.skipIf(!postgresAdminUrl)('validate --database: db-volatile-default', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    await db.exec(`CREATE TABLE orders (id int PRIMARY KEY, note text);
      CREATE FUNCTION public.always_ten() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 10';
      CREATE FUNCTION public.stable_ten() RETURNS int LANGUAGE sql STABLE AS 'SELECT 10';
      CREATE FUNCTION public.volatile_plus(int, int) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT $1 + $2';
      CREATE OPERATOR #@# (FUNCTION = public.volatile_plus, LEFTARG = int, RIGHTARG = int);`);
    dir = await mkdtemp(join(tmpdir(), 'schemashift-vd-'));
    await mkdir(join(dir, 'plans'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await db.close();
  });

  async function findings(
    dflt: string,
    plan = `name: vd\nphases:\n  expand:\n    - add_column: { table: orders, column: { name: code, type: integer, default: "${dflt}", default_volatility: stable } }\n`,
  ): Promise<{ code: number; findings: JsonFinding[] }> {
    await writeFile(join(dir, 'plans', 'vd.yaml'), plan);
    const io = captureIo(dir);
    const code = await main(['validate', '--database', db.url!, 'plans/vd.yaml', '--format', 'json'], io);
    const doc = JSON.parse(io.stdout()) as { plans: { findings: JsonFinding[] }[] };
    return { code, findings: doc.plans.flatMap((p) => p.findings).filter((f) => f.rule.startsWith('db-')) };
  }

  it.each(['public.always_ten()', 'always_ten() + 1', '1 #@# 2'])(
    '%s: VOLATILE in pg_proc, an error at the default',
    async (dflt) => {
      const run = await findings(dflt);
      expect(run.code).toBe(1);
      expect(run.findings).toEqual([
        expect.objectContaining({
          rule: 'db-volatile-default',
          line: 4,
          message: expect.stringMatching(/declared VOLATILE: adding the column would rewrite the whole table/),
          help: expect.stringContaining('SET DEFAULT'),
        }),
      ]);
    },
  );

  it('db-missing-column: a sync expression reading a column the table lacks (it would fail every write once the trigger is in)', async () => {
    const plan = `name: vd\nphases:\n  expand:\n    - add_column:\n        table: orders\n        column: { name: summary, type: text }\n        sync_from: { column: note, expression: "coalesce(note, product)", reverse: "nullif(summary, '')" }\n`;
    const run = await findings('', plan);
    expect(run.code).toBe(1);
    expect(run.findings).toEqual([
      expect.objectContaining({
        rule: 'db-missing-column',
        line: 7,
        message: expect.stringContaining('column product (read by `coalesce(note, product)`) does not exist on orders'),
      }),
    ]);
  });

  it('a STABLE function is clean', async () => {
    expect(await findings('public.stable_ten()')).toEqual({ code: 0, findings: [] });
  });
});
