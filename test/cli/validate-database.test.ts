import { readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { validateCommand } from '../../src/cli/validate.js';
import { connect } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { checkPlanAgainstSchema, DEFAULT_DATABASE_CHECK_OPTIONS } from '../../src/lint/database/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { captureIo, type CapturedIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const readLiveSchema = postgres.introspect.liveSchema.bind(postgres.introspect);

const SEED = `
CREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint);
INSERT INTO orders SELECT g, g % 50 FROM generate_series(1, 200) g;
CREATE TABLE clients (id bigint PRIMARY KEY, name text);
CREATE TABLE events (at timestamptz, payload text);
CREATE TABLE big (id bigint PRIMARY KEY, v int);
INSERT INTO big SELECT g, g FROM generate_series(1, 20000) g;
ANALYZE big;
CREATE TABLE nokey (a int, b text);
CREATE TABLE parent_p (at date, v int) PARTITION BY RANGE (at);
`;

type JsonFinding = { rule: string; line: number; severity: string; message: string; help: string };

function dbFindings(out: string): JsonFinding[] {
  const doc = JSON.parse(out) as { plans: { findings: JsonFinding[] }[] };
  return doc.plans.flatMap((p) => p.findings).filter((f) => f.rule.startsWith('db-'));
}

interface Run {
  code: number;
  out: string;
  err: string;
}

describe.skipIf(!postgresAdminUrl)('schemashift validate --database (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dir: string;
  let io: CapturedIo;

  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_validate_db');
    await db.exec(SEED);
  });
  afterAll(() => db?.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schemashift-validate-db-'));
    await mkdir(join(dir, 'plans'));
    io = captureIo(dir);
    return () => rm(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => writeFile(join(dir, 'plans', name), text);
  async function validate(...args: string[]): Promise<Run> {
    const code = await main(['validate', '--database', db.url!, ...args], io);
    return { code, out: io.stdout(), err: io.stderr() };
  }

  it('exit 1 when add_column names a column that exists with another type, at the step line', async () => {
    await write(
      'retype.yaml',
      `name: retype
phases:
  expand:
    - add_column: { table: orders, column: { name: client_id, type: text } }
`,
    );
    const run = await validate('plans/retype.yaml');
    expect(run.code).toBe(1);
    const first = run.out.split('\n')[0];
    expect(first).toMatch(
      /^plans\/retype\.yaml:4:\d+: error\[db-column-exists-with-other-type\]: orders\.client_id already exists as bigint; this step adds it as text/,
    );
    expect(run.out).toContain('4 |     - add_column: { table: orders, column: { name: client_id, type: text } }');
    expect(run.err).toMatch(
      /^checked 1 plan\(s\) against postgres:\/\/postgres@127\.0\.0\.1:\d+\/schemashift_validate_db_\w+ \(PostgreSQL \d+/,
    );
  });

  it('a step creating what already exists is an error unless it adopts it (and then only when it matches); a drop of nothing is an error', async () => {
    await write(
      'owned.yaml',
      `name: owned
phases:
  expand:
    - add_column: { table: clients, column: { name: name, type: text } }
    - add_column: { table: clients, column: { name: name, type: text } }
      if_exists: adopt
    - add_column: { table: clients, column: { name: name, type: text, nullable: false, default: "''" } }
      if_exists: adopt
    - create_index: { table: orders, name: orders_pkey, columns: [id], unique: true }
  contract:
    - drop_column: { table: orders, column: no_such_column }
`,
    );
    const run = await validate('plans/owned.yaml', '--format', 'json');
    expect(run.code).toBe(1);
    const findings = dbFindings(run.out);
    expect(findings.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['db-already-exists', 4, 'error'],
      ['db-already-exists', 7, 'error'],
      ['db-already-exists', 9, 'error'],
      ['db-missing-drop-target', 11, 'error'],
    ]);
    expect(findings[0]!.message).toBe(
      'column clients.name already exists and this plan does not create it: `run` refuses the step (a rollback would otherwise drop it)',
    );
    expect(findings[0]!.help).toContain('if_exists: adopt');
    expect(findings[1]!.message).toContain('differs from the plan (it is nullable, the plan says NOT NULL)');
    expect(findings[3]!.message).toContain('column no_such_column does not exist on orders');
  });

  it('a plan referencing a missing table gets db-missing-table, with a did-you-mean', async () => {
    await write(
      'missing.yaml',
      `name: missing
phases:
  expand:
    - add_column: { table: order, column: { name: note, type: text } }
    - create_index: { table: invoices, name: idx_invoices_client, columns: [client_id] }
`,
    );
    const run = await validate('plans/missing.yaml', '--format', 'json');
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.out) as {
      plans: { findings: { rule: string; line: number; message: string; help: string }[] }[];
    };
    const findings = doc.plans[0]!.findings;
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ['db-missing-table', 4],
      ['db-missing-table', 5],
    ]);
    expect(findings[0]!.message).toBe(
      'table order does not exist (search_path: public) and no earlier step of this plan creates it',
    );
    expect(findings[0]!.help).toContain('did you mean `orders`?');
  });

  it('the sample rename plan on a matching database is clean (exit 0)', async () => {
    await copyFile(resolve('plans/rename-orders-client-id.yaml'), join(dir, 'plans', 'rename.yaml'));
    const run = await validate('plans/rename.yaml');
    expect(run.out).toBe('1 plan(s), 0 error(s), 0 warning(s)\n');
    expect(run.code).toBe(0);
  });

  it('follows earlier steps of the plan: a column added, renamed or dropped is there (or not) for later steps', async () => {
    await write(
      'sim.yaml',
      `name: sim
phases:
  expand:
    - add_column: { table: orders, column: { name: customer_id, type: bigint } }
    - create_index: { table: orders, name: idx_orders_customer, columns: [customer_id] }
  migrate:
    - backfill: { table: orders, set: { customer_id: client_id } }
    - set_not_null: { table: orders, column: customer_id }
  contract:
    - drop_column: { table: orders, column: client_id }
    - drop_column: { table: orders, column: client_id }
      id: again
    - create_index: { table: orders, name: idx_orders_client, columns: [client_id] }
`,
    );
    const run = await validate('plans/sim.yaml', '--format', 'json');
    const all = (JSON.parse(run.out) as { plans: { findings: { rule: string; line: number; severity: string }[] }[] })
      .plans[0]!.findings;
    const findings = all.filter((f) => f.rule.startsWith('db-'));
    expect(findings.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['db-missing-drop-target', 11, 'error'],
      ['db-missing-column', 13, 'error'],
    ]);
    expect(run.code).toBe(1);
  });

  it('change_type and rename_column change the schema as their steps do, phase by phase', async () => {
    await write(
      'sim2.yaml',
      `name: sim2
phases:
  expand:
    - change_type: { table: orders, column: client_id, type: text }
    - create_index: { table: orders, name: idx_orders_client_new, columns: [client_id_new] }
    - rename_column: { table: clients, from: name, to: full_name, type: text }
    - create_index: { table: clients, name: idx_clients_full_name, columns: [full_name] }
  contract:
    - sql: { up: "CREATE INDEX CONCURRENTLY idx_orders_client_text ON orders (client_id)" }
    - sql: { up: "CREATE INDEX CONCURRENTLY idx_orders_client_tmp ON orders (client_id_new)" }
    - sql: { up: "CREATE INDEX CONCURRENTLY idx_clients_name ON clients (name)" }
`,
    );
    const findings = dbFindings((await validate('plans/sim2.yaml', '--format', 'json')).out);
    expect(findings.map((f) => [f.rule, f.line, f.message.split(' (its columns')[0]])).toEqual([
      ['db-missing-column', 10, 'column client_id_new does not exist on orders at this step'],
      ['db-missing-column', 11, 'column name does not exist on clients at this step'],
    ]);
  });

  it('warns about long scans and locks of a big table (low threshold), with size and time', async () => {
    await write(
      'big.yaml',
      `name: big
phases:
  expand:
    - add_check: { table: big, name: big_v_positive, expression: v > 0 }
    - create_index: { table: big, name: idx_big_v, columns: [v] }
    - add_check: { table: orders, name: orders_client_positive, expression: client_id > 0 }
    - sql: { up: "UPDATE big SET v = v + 1" }
  migrate:
    - set_not_null: { table: big, column: v }
`,
    );
    const text = await validate('plans/big.yaml', '--big-table-rows', '10000');
    expect(text.code).toBe(0);
    console.log(text.out);
    expect(text.out).toContain(
      'plans/big.yaml:4:27: warning[db-big-table-scan]: VALIDATE CONSTRAINT big_v_positive reads ~20k rows of big',
    );
    expect(text.out).toContain('under SHARE UPDATE EXCLUSIVE: reads and writes go on, but expect ~1 s (at ~100 MB/s)');
    io = captureIo(dir);
    const findings = dbFindings(
      (await validate('plans/big.yaml', '--big-table-rows', '10000', '--format', 'json')).out,
    );
    expect(findings.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['db-big-table-scan', 4, 'warning'],
      ['db-big-table-scan', 5, 'warning'],
      ['db-big-table-lock', 7, 'warning'],
      ['db-big-table-scan', 9, 'warning'],
    ]);
    expect(findings[1]!.message).toMatch(
      /^CREATE INDEX CONCURRENTLY idx_big_v reads ~20k rows of big \(\d+\.\d kB\) under SHARE UPDATE EXCLUSIVE: reads and writes go on, but expect ~1 s \(2 passes at ~100 MB\/s\), and the build first waits for every transaction older than itself to end$/,
    );
    expect(findings[2]!.message).toContain('UPDATE without WHERE goes through ~20k rows of big');
    expect(findings[2]!.help).toContain('use a backfill step');
    expect(findings[3]!.message).toContain('VALIDATE CONSTRAINT v_not_null reads ~20k rows of big');
    io = captureIo(dir);
    expect(dbFindings((await validate('plans/big.yaml', '--format', 'json')).out)).toEqual([]);
  });

  it('catches names taken, keys missing, partitioned tables, types that do not exist or do not match', async () => {
    await write(
      'checks.yaml',
      `name: checks
phases:
  expand:
    - create_index: { table: orders, name: orders_pkey, columns: [client_id] }
    - add_foreign_key: { table: events, name: events_payload_fkey, columns: [payload], references: { table: clients, columns: [name] } }
    - validate_constraint: { table: orders, name: no_such_constraint }
    - create_index: { table: parent_p, name: idx_parent_v, columns: [v] }
    - rename_column: { table: orders, from: client_id, to: customer_ref, type: integer }
  migrate:
    - backfill: { table: nokey, set: { b: a::text } }
    - add_column: { table: orders, column: { name: note, type: txt } }
`,
    );
    const run = await validate('plans/checks.yaml', '--format', 'json');
    expect(run.code).toBe(1);
    const findings = dbFindings(run.out);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ['db-name-taken', 4],
      ['db-missing-unique-key', 5],
      ['db-missing-constraint', 6],
      ['db-partitioned-index', 7],
      ['db-column-type-mismatch', 8],
      ['db-missing-unique-key', 10],
      ['db-missing-type', 11],
    ]);
    const messages = findings.map((f) => f.message);
    expect(messages[0]).toBe(
      'public.orders_pkey already exists as an index on public.orders (id): `run` refuses to build over it',
    );
    expect(messages[1]).toBe(
      'clients (name) has no primary key or unique constraint: PostgreSQL refuses a foreign key to it (42830)',
    );
    expect(messages[4]).toBe(
      'rename_column says client_id is integer, but it is bigint: customer_ref would be created as integer, a type change the rename does not announce',
    );
    expect(messages[5]).toContain('nokey has no primary key and no unique index on NOT NULL columns');
    expect(messages[6]).toBe(
      'type txt does not exist on this server (PostgreSQL ' + messages[6]!.split('PostgreSQL ')[1],
    );
    expect(findings[6]!.help).toContain('check the spelling');
  });

  it('raw SQL: statements are checked at their own line', async () => {
    await write(
      'raw.yaml',
      `name: raw
phases:
  expand:
    - sql:
        up: |
          ALTER TABLE orders ADD COLUMN client_id bigint;
          CREATE INDEX CONCURRENTLY idx_events_kind ON events (kind);
`,
    );
    const run = await validate('plans/raw.yaml', '--format', 'github');
    expect(run.code).toBe(1);
    expect(run.out).toContain(
      '::error file=plans/raw.yaml,line=6,col=11,title=schemashift db-name-taken::column orders.client_id already exists: the statement fails',
    );
    expect(run.out).toContain(
      '::error file=plans/raw.yaml,line=7,col=11,title=schemashift db-missing-column::column kind does not exist on events',
    );
  });

  it('never prints the password of the URL', async () => {
    await write(
      'ok.yaml',
      `name: ok
phases:
  expand:
    - add_column: { table: orders, column: { name: note, type: text } }
`,
    );
    const url = new URL(db.url!);
    url.password = 's3cr3t-pw';
    const code = await main(['validate', '--database', url.toString(), 'plans/ok.yaml'], io);
    expect(code).toBe(0);
    expect(io.stderr()).toContain('postgres://postgres:****@');
    expect(io.stdout() + io.stderr()).not.toContain('s3cr3t-pw');
  });

  it('validate without --database needs no database and reports no db- findings', async () => {
    await write(
      'retype.yaml',
      `name: retype
phases:
  expand:
    - add_column: { table: orders, column: { name: client_id, type: text } }
`,
    );
    expect(await validateCommand([], { format: 'text' }, io)).toBe(0);
    expect(io.stdout()).toBe('1 plan(s), 0 error(s), 0 warning(s)\n');
  });
});

describe.skipIf(!postgresAdminUrl)(
  'database checks against older servers (the live schema with another version)',
  () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createPostgresDatabase('schemashift_validate_versions');
      await db.exec(SEED);
    });
    afterAll(() => db?.close());

    it('PostgreSQL 11: unsupported, and set_not_null would scan; 13: CREATE OR REPLACE TRIGGER is missing', async () => {
      const conn = await connect(db.url!);
      const live = await readLiveSchema(conn).finally(() => conn.close());
      const plan = await parsePlan(
        'plans/v.yaml',
        `name: v
phases:
  expand:
    - sql: { up: "CREATE OR REPLACE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()" }
  migrate:
    - set_not_null: { table: big, column: v }
`,
      );
      const check = (versionNum: number) =>
        checkPlanAgainstSchema(
          compilePlan(plan),
          { ...live, server: { version: String(versionNum / 10000), versionNum } },
          () => undefined,
          DEFAULT_DATABASE_CHECK_OPTIONS,
        ).map((f) => `${f.at.line} ${f.severity} ${f.rule}: ${f.message}`);
      expect(check(110000)).toEqual([
        expect.stringMatching(
          /^1 error db-server-version: the server runs PostgreSQL 11, older than the oldest supported release \(12\)/,
        ),
        '4 error db-server-version: CREATE OR REPLACE TRIGGER needs PostgreSQL 14; this server runs 11',
        '6 warning db-server-version: PostgreSQL 11 ignores the validated CHECK (v IS NOT NULL): SET NOT NULL scans the whole table under ACCESS EXCLUSIVE, blocking reads and writes',
      ]);
      expect(check(130000)).toEqual([
        '4 error db-server-version: CREATE OR REPLACE TRIGGER needs PostgreSQL 14; this server runs 13',
      ]);
      expect(check(150000)).toEqual([]);
    });
  },
);

const SHOP = `
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
CREATE INDEX idx_customers_email ON customers (email);
CREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint, customer_id bigint, total numeric(12, 2), status text, created_at timestamptz, region text);
CREATE INDEX idx_orders_customer_id ON orders (customer_id);
CREATE TABLE line_items (id bigint PRIMARY KEY, product_id integer);
CREATE TABLE posts (id bigint PRIMARY KEY, title text, summary text NOT NULL, legacy_code text NOT NULL);
CREATE INDEX idx_line_items_product_id ON line_items (product_id);
CREATE TABLE articles (id bigint PRIMARY KEY, title text NOT NULL);
CREATE MATERIALIZED VIEW daily_sales AS SELECT created_at::date AS day, sum(total) AS total_sales FROM orders GROUP BY 1;
CREATE UNIQUE INDEX daily_sales_day_key ON daily_sales (day);
CREATE TABLE order_log (id bigint PRIMARY KEY, order_id bigint, note text);
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0), ADD CONSTRAINT orders_region_check CHECK (region <> ''), ALTER COLUMN region SET DEFAULT 'eu';
CREATE TABLE events (tenant_id int, id bigint NOT NULL, payload text);
`;

describe.each([...(postgresAdminUrl ? [{ name: 'postgres' as const }] : []), { name: 'pglite' as const }])(
  'every sample plan against a database shaped for it ($name)',
  ({ name }) => {
    let dir: string;
    let url: string;
    let close: () => Promise<void> = () => Promise.resolve();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'schemashift-validate-shop-'));
      if (name === 'postgres') {
        const db = await createPostgresDatabase('schemashift_validate_shop');
        // Set first: a schema that fails to load must still drop the database.
        close = () => db.close();
        url = db.url!;
        await db.exec(SHOP);
      } else {
        url = `pglite://${join(dir, 'db')}`;
        const conn = await connect(url);
        await conn.exec(SHOP);
        await conn.close();
      }
    });
    afterAll(async () => {
      await close();
      await rm(dir, { recursive: true, force: true });
    });

    it('finds nothing wrong (no false positives), and simulates the materialized view swap', async () => {
      const io = captureIo(resolve('.'));
      const code = await main(['validate', '--database', url, 'plans/', '--format', 'json'], io);
      // The shop is shaped for the plans that build on the rename (customer_id and its index exist):
      // to the rename plans themselves, those are objects they did not create, which `run` refuses.
      const findings = dbFindings(io.stdout()) as (JsonFinding & { file: string; step: string })[];
      const renames = findings.filter((f) => f.file.startsWith('plans/rename-orders'));
      // The view over another database reads its URL from STATS_DATABASE_URL, which is not set here: said.
      const sourceUrl = findings.filter((f) => f.rule === 'db-source-url-missing');
      expect(sourceUrl.map((f) => f.file)).toEqual(['plans/second-users-over-stats-db.yaml']);
      // This server has no pg_cron in the shop's database: schedule_refresh is refused there, rightly.
      const noCron = findings.filter((f) => f.rule === 'db-no-cron');
      expect(noCron.map((f) => f.step)).toEqual(['schedule_refresh:daily_sales']);
      expect(findings.filter((f) => !renames.includes(f) && !sourceUrl.includes(f) && !noCron.includes(f))).toEqual([]);
      expect(renames.map((f) => [f.rule, f.step])).toEqual([
        ['db-already-exists', 'add_column:orders.customer_id'],
        ['db-already-exists', 'create_index:idx_orders_customer_id'],
        ['db-already-exists', 'add_column:orders.customer_id'],
        ['db-already-exists', 'create_index:idx_orders_customer_id'],
      ]);
      expect(code).not.toBe(2);
      expect(io.stderr()).toMatch(
        new RegExp(`^checked ${readdirSync('plans').filter((f) => f.endsWith('.yaml')).length} plan\\(s\\) against`),
      );
      expect(io.stderr()).toMatch(
        /^checked \d+ plan\(s\) against (postgres|pglite):\/\/.+ \(PostgreSQL \d+\.\d+, 8 table\(s\) and view\(s\)\)\n$/,
      );
    });

    it('a swapped-in view without its unique index cannot be refreshed concurrently', async () => {
      const file = join(dir, 'mv.yaml');
      await writeFile(
        file,
        `name: mv
phases:
  expand:
    - replace_materialized_view: { name: daily_sales, query: "SELECT created_at::date AS day, count(*) AS n FROM orders GROUP BY 1" }
    - refresh_materialized_view: { name: daily_sales, concurrently: true }
`,
      );
      const io = captureIo(dir);
      expect(await main(['validate', '--database', url, 'mv.yaml', '--format', 'json'], io)).toBe(1);
      expect(dbFindings(io.stdout()).map((f) => [f.rule, f.line, f.message])).toEqual([
        [
          'db-missing-unique-key',
          5,
          'daily_sales has no unique index on plain columns without WHERE: REFRESH … CONCURRENTLY fails (55000)',
        ],
      ]);
    });

    it('the same plans on an empty database: every step names its missing table', async () => {
      const io = captureIo(resolve('.'));
      expect(
        await main(
          ['validate', '--database', 'pglite://memory', 'plans/rename-orders-client-id.yaml', '--format', 'json'],
          io,
        ),
      ).toBe(1);
      const findings = dbFindings(io.stdout());
      expect(new Set(findings.map((f) => f.rule))).toEqual(new Set(['db-missing-table']));
      expect(findings.length).toBeGreaterThan(3);
    });
  },
);

describe.skipIf(!postgresAdminUrl)('suppressing a database finding on its step', () => {
  it('lint: { ignore: [db-missing-drop-target] } drops that finding only', async () => {
    const db = await createPostgresDatabase('schemashift_validate_ignore');
    try {
      await db.exec('CREATE TABLE orders (id bigint PRIMARY KEY)');
      const conn = await connect(db.url!);
      const live = await readLiveSchema(conn).finally(() => conn.close());
      const plan = await parsePlan(
        'plans/i.yaml',
        `name: i
phases:
  contract:
    - drop_column: { table: orders, column: gone_already }
      lint: { ignore: [db-missing-drop-target], reason: dropped by hand during the incident }
    - drop_column: { table: orders, column: also_gone }
`,
      );
      const findings = checkPlanAgainstSchema(compilePlan(plan), live, () => undefined, DEFAULT_DATABASE_CHECK_OPTIONS);
      expect(findings.map((f) => `${f.at.line} ${f.rule}`)).toEqual(['6 db-missing-drop-target']);
    } finally {
      await db.close();
    }
  });
});

describe('database rules are documented', () => {
  it('every db- rule has its page in docs/rules/', async () => {
    const { DATABASE_RULE_IDS } = await import('../../src/lint/database/rules.js');
    const { readFile } = await import('node:fs/promises');
    for (const id of DATABASE_RULE_IDS) {
      const page = await readFile(resolve('docs/rules', `${id}.md`), 'utf8');
      expect(page.startsWith(`# ${id}\n`)).toBe(true);
    }
  });
});
