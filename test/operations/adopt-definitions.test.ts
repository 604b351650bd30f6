/**
 * `if_exists: adopt` takes over only an object that matches the plan in every part the catalog
 * keeps: an index's operator class, collation, order and NULLS NOT DISTINCT; a column's type
 * modifier and collation; a constraint's DEFERRABLE, MATCH and NOT VALID; a trigger's timing,
 * events, condition and state; a materialized view's query. Each partial match is refused with the
 * difference listed; an exact match is still adopted. Real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { definitionDifferences } from '../../src/dialects/postgres/object-differences.js';
import type { DbObject } from '../../src/operations/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { ensureSqlParser } from '../../src/dialects/postgres/sql/parser.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const SETUP = `
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, code text, login text, qty int, nick text COLLATE "C", handle varchar(255), title varchar(100));
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, note text);
CREATE INDEX accounts_email_pattern ON accounts (email text_pattern_ops DESC NULLS LAST);
CREATE INDEX accounts_email_c ON accounts (email COLLATE "C");
CREATE UNIQUE INDEX accounts_code_key ON accounts (code) NULLS NOT DISTINCT;
CREATE INDEX accounts_login_idx ON accounts (login);
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) MATCH FULL DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE orders ADD CONSTRAINT orders_account_plain_fk FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE accounts ADD CONSTRAINT accounts_qty_check CHECK (qty > 0) NOT VALID;
ALTER TABLE accounts ADD CONSTRAINT accounts_qty_valid CHECK (qty > 0);
CREATE FUNCTION sync_fn() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER sync_odd AFTER UPDATE OF email ON accounts FOR EACH ROW WHEN (NEW.email IS NOT NULL) EXECUTE FUNCTION sync_fn();
CREATE TRIGGER sync_same BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION sync_fn();
CREATE TRIGGER sync_off BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION sync_fn();
ALTER TABLE accounts DISABLE TRIGGER sync_off;
CREATE MATERIALIZED VIEW account_totals AS SELECT id, qty FROM accounts WHERE qty > 10;`;

describe.skipIf(!postgresAdminUrl)('adoption compares every part of the definition (real PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    await ensureSqlParser();
    db = await createPostgresDatabase('schemashift_adoptdef');
    await db.exec(SETUP);
    conn = await connect(db.url!);
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
  });

  /** Runs a one-step plan with `if_exists: adopt`: 'adopted', or the refusal's message. */
  async function adopt(name: string, step: string): Promise<string> {
    const plan = compilePlan(
      await parsePlan(`${name}.yaml`, `name: ${name}\nphases:\n  expand:\n    - ${step}\n      if_exists: adopt\n`),
    );
    const signal = new AbortController().signal;
    try {
      await runPlan(conn, plan, {
        mode: 'run',
        acceptDrift: false,
        answers: { yes: true },
        emit: () => undefined,
        signal,
        command: () => 'schemashift run',
      });
    } catch (e) {
      return (e as Error).message;
    }
    const { rows } = await conn.query<{ adopted: boolean }>(
      'SELECT adopted FROM schemashift.steps WHERE plan_name = $1 ORDER BY step_id LIMIT 1',
      [name],
    );
    return rows[0]?.adopted ? 'adopted' : 'not adopted';
  }

  async function differences(o: DbObject): Promise<string[]> {
    const { rows } = await conn.query<{ def: Record<string, unknown> }>(postgres.probes.objectDefinition(o));
    return definitionDifferences(o, rows[0]!.def);
  }

  it('an index with text_pattern_ops DESC NULLS LAST is not a plain index on the column', async () => {
    const message = await adopt(
      'pattern',
      'create_index: { table: accounts, name: accounts_email_pattern, columns: [email] }',
    );
    expect(message).toContain(
      "so it is not adopted:\n  - key email has text_pattern_ops DESC NULLS LAST, the plan's key has the defaults",
    );
  });

  it('an index with its own collation is refused', async () => {
    expect(
      await adopt('collated-index', 'create_index: { table: accounts, name: accounts_email_c, columns: [email] }'),
    ).toContain("  - key email has COLLATE C, the plan's key has the defaults");
  });

  it('a unique index NULLS NOT DISTINCT is not an ordinary unique index', async () => {
    expect(
      await adopt('nnd', 'create_index: { table: accounts, name: accounts_code_key, columns: [code], unique: true }'),
    ).toContain("  - it is NULLS NOT DISTINCT (one NULL at most), the plan's is not");
  });

  it('varchar(255) is not varchar(100), and a column with its own collation is refused', async () => {
    expect(
      await adopt('typmod', 'add_column: { table: accounts, column: { name: handle, type: varchar(100) } }'),
    ).toContain('  - type is character varying(255), the plan says varchar(100)');
    expect(
      await adopt('unbounded', 'add_column: { table: accounts, column: { name: handle, type: varchar } }'),
    ).toContain('  - type is character varying(255), the plan says varchar');
    expect(await adopt('collation', 'add_column: { table: accounts, column: { name: nick, type: text } }')).toContain(
      '  - its collation is "C", the plan\'s column has its type\'s default collation',
    );
    expect(await differences({ kind: 'column', table: 'accounts', name: 'nick', nullable: true })).toEqual([]);
  });

  it('a DEFERRABLE MATCH FULL foreign key is refused, listing both', async () => {
    const message = await adopt(
      'fk',
      'add_foreign_key: { table: orders, name: orders_account_fk, columns: [account_id], references: { table: accounts, columns: [id] } }',
    );
    expect(message).toContain("  - it is DEFERRABLE INITIALLY DEFERRED, the plan's is NOT DEFERRABLE");
    expect(message).toContain("  - it is MATCH FULL, the plan's is MATCH SIMPLE");
  });

  it('a NOT VALID check is refused when the plan validates it', async () => {
    expect(
      await adopt('notvalid', 'add_check: { table: accounts, name: accounts_qty_check, expression: qty > 0 }'),
    ).toContain("  - it is NOT VALID (existing rows were never checked), the plan's is validated");
  });

  it('a trigger: timing, events, columns, condition and state are compared, not only the function', async () => {
    const trigger = (name: string): DbObject => ({ kind: 'trigger', table: 'accounts', name, function: 'sync_fn' });
    expect(await differences(trigger('sync_odd'))).toEqual([
      expect.stringMatching(
        /^it is not a BEFORE INSERT OR UPDATE … FOR EACH ROW trigger, it fires only on UPDATE OF email, it has a WHEN condition \(it is: CREATE TRIGGER sync_odd AFTER UPDATE OF email ON public\.accounts/,
      ),
    ]);
    expect(await differences(trigger('sync_off'))).toEqual([
      "it is disabled, the plan's fires in ordinary sessions (ENABLE)",
    ]);
    expect(await differences(trigger('sync_same'))).toEqual([]);
  });

  it('a materialized view: another query is refused; the same query (as parsed) matches', async () => {
    const view = (query: string): DbObject => ({ kind: 'materialized view', name: 'account_totals', query });
    expect(await differences(view('SELECT id, qty FROM accounts WHERE qty > 0'))).toEqual([
      expect.stringMatching(
        /^its query does not read the same as the plan's \(compared as parsed SQL; the server prints it as: SELECT/,
      ),
    ]);
    const printed = (await conn.query<{ q: string }>("SELECT pg_get_viewdef('account_totals'::regclass) AS q")).rows[0]!
      .q;
    expect(await differences(view(printed.replace(/;\s*$/, '')))).toEqual([]);
  });

  it('exact matches are still adopted: a plain index, a bounded column, a plain foreign key, a validated check', async () => {
    expect(
      await adopt('same-index', 'create_index: { table: accounts, name: accounts_login_idx, columns: [login] }'),
    ).toBe('adopted');
    expect(
      await adopt('same-column', 'add_column: { table: accounts, column: { name: title, type: varchar(100) } }'),
    ).toBe('adopted');
    expect(
      await adopt(
        'same-fk',
        'add_foreign_key: { table: orders, name: orders_account_plain_fk, columns: [account_id], references: { table: accounts, columns: [id] } }',
      ),
    ).toBe('adopted');
    expect(
      await adopt('same-check', 'add_check: { table: accounts, name: accounts_qty_valid, expression: qty > 0 }'),
    ).toBe('adopted');
  });
});
