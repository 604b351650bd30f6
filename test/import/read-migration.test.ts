/** The PostgreSQL importer on its own: expressions read back exactly as written, positions, names, reasons. */
import { beforeAll, describe, expect, it } from 'vitest';
import { newImportMemory, type ImportedStatement } from '../../src/dialects/import.js';
import { postgresImporter } from '../../src/dialects/postgres/import/read-migration.js';

function read(sql: string): ImportedStatement[] {
  const result = postgresImporter.read(sql, newImportMemory());
  if (!result.ok) throw new Error(`${result.error.line}:${result.error.col}: ${result.error.message}`);
  return result.statements;
}

const onlyStep = (sql: string) => {
  const [statement] = read(sql);
  expect(statement?.steps).toHaveLength(1);
  return statement!.steps[0]!.step;
};

beforeAll(() => postgresImporter.load());

describe('expressions and types come out exactly as written', () => {
  it.each([
    ['(1 + 2) * 3', 'ALTER TABLE t ADD COLUMN a integer DEFAULT (1 + 2) * 3'],
    ["$$it's$$", "ALTER TABLE t ADD COLUMN a text DEFAULT $$it's$$"],
    ["'é; --x' || 'y'", "ALTER TABLE t ADD COLUMN a text DEFAULT 'é; --x' || 'y'"],
    [
      "CASE WHEN true THEN 'a' ELSE 'b' END",
      "ALTER TABLE t ADD COLUMN a text DEFAULT CASE WHEN true THEN 'a' ELSE 'b' END",
    ],
    ['ARRAY[1, 2]::bigint[]', 'ALTER TABLE t ADD COLUMN a bigint[] DEFAULT ARRAY[1, 2]::bigint[]'],
  ])('default %s', (expected, sql) => {
    const spec = onlyStep(sql).add_column as { column: { default: string } };
    expect(spec.column.default).toBe(expected);
  });

  it('types with modifiers and several words', () => {
    const spec = onlyStep('ALTER TABLE t ADD COLUMN a timestamp (3) with time zone').add_column as {
      column: { type: string };
    };
    expect(spec.column.type).toBe('timestamp (3) with time zone');
  });

  it('an UPDATE: every SET expression and the WHERE, comments left out, nothing past the statement', () => {
    const spec = onlyStep(
      "UPDATE t SET a = coalesce(b, /* none */ 0) + 1, c = 'x;y' WHERE d IN (1, 2) AND e IS NULL; SELECT 1",
    ).backfill as { set: Record<string, string>; where: string };
    expect(spec.set).toEqual({ a: 'coalesce(b, 0) + 1', c: "'x;y'" });
    expect(spec.where).toBe('d IN (1, 2) AND e IS NULL');
  });

  it('USING of a type change becomes up', () => {
    const spec = onlyStep("ALTER TABLE t ALTER COLUMN a TYPE integer USING nullif(a, '')::integer").change_type;
    expect(spec).toEqual({ table: 't', column: 'a', type: 'integer', up: "nullif(a, '')::integer" });
  });
});

describe('positions, names and reasons', () => {
  it('a statement after multi-byte text is placed by characters', () => {
    const statements = read("COMMENT ON TABLE t IS 'ééé';\n  ALTER TABLE t ADD COLUMN a integer;");
    expect(statements.map((s) => [s.line, s.col])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });

  it('a syntax error is placed by characters too', () => {
    const result = postgresImporter.read("COMMENT ON TABLE t IS 'ééé';\nALTER TABL t;", newImportMemory());
    expect(result).toMatchObject({ ok: false, error: { line: 2, col: 7 } });
  });

  it('quoted names are carried exactly; a name a plan cannot hold keeps the statement raw', () => {
    expect(onlyStep('ALTER TABLE "Sales"."Orders" ADD COLUMN "Net" integer').add_column).toEqual({
      table: 'Sales.Orders',
      column: { name: 'Net', type: 'integer' },
    });
    const [raw] = read('ALTER TABLE "my table" ADD COLUMN a integer');
    expect(raw?.raw).toBe(true);
    expect(raw?.steps[0]?.step).toEqual({ sql: { up: 'ALTER TABLE "my table" ADD COLUMN a integer' } });
  });

  it('SET search_path to another schema is refused at its line, with the way instead', () => {
    const result = postgresImporter.read(
      'ALTER TABLE t ADD COLUMN a int;\nSET search_path TO app, public;',
      newImportMemory(),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.line).toBe(2);
    expect(result.error.hint).toMatch(/schema-qualify/);
  });

  it('a volatile NOT NULL default: nullable, default for new rows, backfill, set_not_null', () => {
    const [statement] = read('ALTER TABLE t ADD COLUMN a uuid NOT NULL DEFAULT gen_random_uuid()');
    expect(statement?.steps.map((s) => [s.phase, Object.keys(s.step)[0]])).toEqual([
      ['expand', 'add_column'],
      ['expand', 'set_default'],
      ['migrate', 'backfill'],
      ['migrate', 'set_not_null'],
    ]);
  });
});

describe('import: goose, dbmate and sql-migrate files hold Up and Down', () => {
  it.each([
    ['-- +goose Up\n-- +goose StatementBegin\n', '-- +goose StatementEnd\n-- +goose Down\n-- +goose StatementBegin\n'],
    ['-- migrate:up\n', '\n-- migrate:down\n'],
    ['-- +migrate Up\n', '\n-- +migrate Down\n'],
  ])('only the Up part becomes steps (%s)', (up, down) => {
    const result = postgresImporter.read(
      `${up}ALTER TABLE users ADD COLUMN email text;\n${down}DROP TABLE audit;\n`,
      newImportMemory(),
    );
    if (!result.ok) throw new Error(result.error.message);
    expect(result.statements.map((s) => s.summary)).toEqual(['ALTER TABLE users ADD COLUMN email text']);
    expect(result.notes?.[0]).toMatch(/only the Up part was imported: from line \d+ .*the Down part is left out/);
  });
});

describe('bookkeeping: what is left out and what is not', () => {
  it('history tables: DML into public or unqualified ones is left out; other schemas and CREATE TABLE are kept', () => {
    const [insert, other, created] = read(
      "INSERT INTO schema_migrations (version) VALUES ('1');\n" +
        "INSERT INTO app.schema_migrations (version) VALUES ('1');\n" +
        'CREATE TABLE migrations (id int);\n',
    );
    expect(insert?.dropped).toMatch(/migration tool's own history/);
    expect(other?.dropped).toBeUndefined();
    expect(other?.steps).toHaveLength(1);
    expect(created?.steps[0]?.step).toHaveProperty('create_table');
  });

  it('SELECT set_config(...) is left out only when every target is set_config', () => {
    const [preamble, mixed] = read(
      "SELECT pg_catalog.set_config('search_path', '', false);\n" +
        "SELECT set_config('app.x', '1', false), purge_old_data();\n",
    );
    expect(preamble?.dropped).toBeDefined();
    expect(mixed?.dropped).toBeUndefined();
    expect(mixed?.raw).toBe(true);
  });
});

describe('review findings: statements a step would change are kept as raw SQL', () => {
  const rawReason = (sql: string) => {
    const statements = read(sql);
    const last = statements[statements.length - 1]!;
    expect(last.raw, JSON.stringify(last.steps)).toBe(true);
    return last.steps[0]!.decision;
  };

  it('ADD COLUMN IF NOT EXISTS with a volatile NOT NULL default (several steps) is raw', () =>
    expect(rawReason('ALTER TABLE t ADD COLUMN IF NOT EXISTS u uuid NOT NULL DEFAULT gen_random_uuid()')).toMatch(
      /would backfill or alter a column that already exists/,
    ));

  it.each([
    ['UPDATE t SET a = (SELECT max(b) FROM u)', /subquery/],
    ['UPDATE t SET a = 1 WHERE id IN (SELECT id FROM u)', /subquery/],
    ['UPDATE ONLY t SET a = 1', /UPDATE ONLY/],
    ['UPDATE t SET a = row_number() OVER ()', /window function/],
  ])('%s is raw, not a batched backfill', (sql, why) => expect(rawReason(sql)).toMatch(why));

  it.each([
    ['CREATE TABLE c (id int, p int, q int, FOREIGN KEY (p, q) REFERENCES r ON DELETE SET NULL (q))', /SET NULL/],
    ['CREATE TABLE c (id int, body text COMPRESSION lz4)', /COMPRESSION/],
    ['ALTER TABLE c ADD COLUMN body text COMPRESSION lz4', /COMPRESSION/],
    ['CREATE INDEX ON u ((lower(name)) COLLATE "C")', /COLLATE/],
    ['ALTER TABLE ONLY u ADD COLUMN a int', /ONLY/],
    ['CREATE INDEX ON ONLY u (a)', /ONLY/],
  ])('%s keeps what a step would drop', (sql, why) => expect(rawReason(sql)).toMatch(why));
});

describe('review findings: names and types a later statement relies on', () => {
  it('a serial column renamed later is renamed with its stored type (integer), not serial', () => {
    const [, renamed] = read(
      'CREATE TABLE t (id serial PRIMARY KEY, n bigserial);\nALTER TABLE t RENAME COLUMN n TO m;',
    );
    expect(renamed?.steps[0]?.step).toMatchObject({ rename_column: { from: 'n', to: 'm', type: 'bigint' } });
  });

  it('DROP INDEX finds the index of its own schema only', () => {
    const statements = read('CREATE INDEX i ON billing.t (a);\nDROP INDEX i;\nDROP INDEX billing.i;');
    expect(statements[1]?.raw).toBe(true);
    expect(statements[2]?.steps[0]?.step).toEqual({ drop_index: { table: 'billing.t', name: 'i' } });
  });

  it('generated names are those PostgreSQL gives: <table>_<column>_check, <table>_<function>_idx', () => {
    expect(onlyStep('ALTER TABLE u ADD CHECK (age > 0)')).toMatchObject({ add_check: { name: 'u_age_check' } });
    expect(onlyStep('ALTER TABLE u ADD CHECK (a > b)')).toMatchObject({ add_check: { name: 'u_check' } });
    expect(onlyStep('CREATE INDEX ON u (lower(email))')).toMatchObject({ create_index: { name: 'u_lower_idx' } });
  });
});

describe('review findings: comments, summaries, inverses', () => {
  it('a comment inside an expression or after a view query is not copied into the plan', () => {
    expect(onlyStep('ALTER TABLE t ADD CHECK (a > 0 -- positive\n AND a < 10 /* small */)')).toMatchObject({
      add_check: { expression: expect.not.stringMatching(/positive|small|--|\/\*/) as unknown },
    });
    const view = onlyStep('CREATE MATERIALIZED VIEW mv AS SELECT id -- the key\n FROM u /* all */');
    expect(JSON.stringify(view)).not.toMatch(/the key|all \*/);
  });

  it('the summary keeps -- inside a string literal', () => {
    const [statement] = read("UPDATE t SET note = 'a -- b' WHERE id = 1 -- trailing");
    expect(statement?.summary).toBe("UPDATE t SET note = 'a -- b' WHERE id = 1");
  });

  it('CREATE SCHEMA AUTHORIZATION x has no made-up down', () => {
    const step = onlyStep('CREATE SCHEMA AUTHORIZATION alice');
    expect(step).toEqual({ sql: { up: 'CREATE SCHEMA AUTHORIZATION alice' } });
  });
});

describe('review findings: check_function_bodies', () => {
  it('after SET check_function_bodies = false, a function is created with body checks off in its own step', () => {
    const [, fn] = read(
      'SET check_function_bodies = false;\n' +
        'CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM later $$;\n',
    );
    expect((fn?.steps[0]?.step.sql as { up: string }).up).toMatch(
      /^SET LOCAL check_function_bodies = false;\nCREATE FUNCTION f\(\)/,
    );
    const [plain] = read('CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;');
    expect((plain?.steps[0]?.step.sql as { up: string }).up).toMatch(/^CREATE FUNCTION/);
  });
});

describe('review findings: CREATE TABLE check names', () => {
  it('unnamed table CHECKs are named as PostgreSQL names them', () => {
    const spec = onlyStep('CREATE TABLE k (a int, b int, CHECK (a > 0), CHECK (a < b), CHECK (b > 0), CHECK (a < 9))')
      .create_table as { constraints: { name: string }[] };
    expect(spec.constraints.map((c) => c.name)).toEqual(['k_a_check', 'k_check', 'k_b_check', 'k_a_check1']);
  });
});
