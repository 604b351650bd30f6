/**
 * create_index per-column options (sort, nulls, opclass, collate) and storage parameters: the
 * statement's shape cannot be changed from the plan, the catalog has each option, and adoption
 * compares each (a default written out is no difference; anything else is refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { parseSql } from '../../src/dialects/postgres/sql/parser.js';
import type { DbObject, SqlStep } from '../../src/operations/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, engines, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

const spec = {
  table: 'app.docs',
  name: 'docs_lookup',
  columns: [
    'tenant_id',
    { column: 'published_at', sort: 'desc', nulls: 'last' },
    { column: 'slug', opclass: 'text_pattern_ops', collate: 'C' },
    { column: 'id', sort: 'asc', nulls: 'first', opclass: 'pg_catalog.int4_ops' },
  ],
  storage_parameters: { fillfactor: 70, deduplicate_items: false },
};

const sqlFor = (s: unknown) => sqlOf(forward('create_index', s))[0]!;

describe('create_index per-column options SQL', () => {
  it('renders each key with its collation, operator class, order and nulls, then WITH (...)', () => {
    expect(sqlFor(spec)).toBe(
      'CREATE INDEX CONCURRENTLY docs_lookup ON app.docs (tenant_id, published_at DESC NULLS LAST, slug COLLATE "C" ' +
        'text_pattern_ops, id pg_catalog.int4_ops ASC NULLS FIRST) WITH (fillfactor = 70, deduplicate_items = false)',
    );
    expect(
      sqlFor({ table: 't', name: 'i', columns: ['a'], storage_parameters: 'fillfactor=50', tablespace: 'fast' }),
    ).toBe('CREATE INDEX CONCURRENTLY i ON t (a) WITH (fillfactor = 50) TABLESPACE fast');
    expect(
      sqlFor({ table: 't', name: 'i', method: 'gin', columns: ['doc'], storage_parameters: { fastupdate: 'off' } }),
    ).toBe("CREATE INDEX CONCURRENTLY i ON t USING gin (doc) WITH (fastupdate = 'off')");
    expect(
      sqlFor({ table: 't', name: 'i', columns: [{ column: 'name', collate: { schema: 'public', name: 'en-x-icu' } }] }),
    ).toBe('CREATE INDEX CONCURRENTLY i ON t (name COLLATE public."en-x-icu")');
  });

  it('a collation name with quotes stays one quoted name: the statement keeps its shape', () => {
    const sql = sqlFor({ table: 't', name: 'i', columns: [{ column: 'a', collate: 'C") WITH (fillfactor=10' }] });
    expect(sql).toBe('CREATE INDEX CONCURRENTLY i ON t (a COLLATE "C"") WITH (fillfactor=10")');
    const parsed = parseSql(sql);
    expect(parsed.ok && parsed.result.stmts?.length).toBe(1);
    const stmt = parsed.ok ? (parsed.result.stmts?.[0]?.stmt as { IndexStmt?: { options?: unknown } }) : undefined;
    expect(stmt?.IndexStmt?.options).toBeUndefined();
  });

  it.each([
    [{ columns: [{ column: 'a', opclass: 'int4_ops) WITH (x' }] }, /not a valid table name/],
    [{ columns: [{ column: 'a', opclass: 'a.b.c' }] }, /not a valid table name/],
    [{ columns: [{ column: 'a', sort: 'sideways' }] }, /sort/],
    [{ columns: [{ column: 'a', nulls: 'middle' }] }, /nulls/],
    [{ columns: [{ column: 'a"b' }] }, /not a valid identifier/],
    [{ columns: [{ column: 'a', extra: 1 }] }, /extra|unrecognized|unexpected/i],
    [{ columns: ['a'], storage_parameters: { "fill'factor": 70 } }, /key|identifier/i],
    [{ columns: ['a'], storage_parameters: { fillfactor: '70) WITH (x' } }, /word/],
    [{ columns: ['a'], storage_parameters: { fillfactor: Number.POSITIVE_INFINITY } }, /finite|number|Infinity/i],
    [{ columns: ['a'], storage_parameters: 'fillfactor=70); DROP TABLE t; --' }, /storage parameters|unexpected|list/],
    [{ columns: ['a'], storage_parameters: { buffering: 'on' } }, /buffering` is not a storage parameter of btree/],
    [{ columns: ['a'], method: 'hash', storage_parameters: { deduplicate_items: true } }, /hash/],
    [{ method: 'gin', columns: [{ column: 'a', sort: 'desc' }] }, /sort and nulls need a btree index/],
    [{ columns: ['a'], tablespace: 'pg_default; x' }, /not a valid identifier/],
  ])('refuses %j', (extra, message) => {
    expect(() => parseSpec('create_index', { table: 't', name: 'i', ...extra })).toThrow(message);
  });
});

describe.each(engines)('create_index per-column options on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec(
      `CREATE SCHEMA app;
       CREATE TABLE app.docs (id int, tenant_id int, published_at timestamptz, slug text);
       INSERT INTO app.docs SELECT g, g % 4, now() - g * interval '1 day', 's' || g FROM generate_series(1, 100) g`,
    );
  });
  afterAll(() => db.close());

  async function differences(o: DbObject): Promise<string[]> {
    const [row] = await db.query<{ def: Record<string, unknown> | null }>(postgres.probes.objectDefinition(o));
    return row?.def ? postgres.probes.definitionDifferences(o, row.def) : ['missing'];
  }
  const objectOf = (s: unknown) => (forward('create_index', s)[0] as SqlStep).effect!.object;

  it('the catalog has each key option and storage parameter; probes; inverse drops it', async () => {
    const [build] = forward('create_index', spec) as SqlStep[];
    expect(await probe(db, build!)).toBe(false);
    await applySql(db, [build!]);
    expect(await probe(db, build!)).toBe(true);
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT array_to_string(i.indoption::int2[], ',') AS indoption, c.reloptions,
              (SELECT array_agg(o.opcname::text ORDER BY k.n) FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(oid, n)
                 JOIN pg_opclass o ON o.oid = k.oid) AS opclasses,
              (SELECT array_agg(coalesce(co.collname::text, '-') ORDER BY k.n) FROM unnest(i.indcollation::oid[]) WITH ORDINALITY AS k(oid, n)
                 LEFT JOIN pg_collation co ON co.oid = k.oid) AS collations
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indexrelid = 'app.docs_lookup'::regclass`,
    );
    expect(row).toEqual({
      indoption: '0,1,0,2', // published_at DESC NULLS LAST; id ASC NULLS FIRST
      reloptions: ['fillfactor=70', 'deduplicate_items=false'],
      opclasses: ['int4_ops', 'timestamptz_ops', 'text_pattern_ops', 'int4_ops'],
      collations: ['-', '-', 'C', '-'],
    });
    const undo = inverse('create_index', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await db.query(`SELECT to_regclass('app.docs_lookup') AS r`)).toEqual([{ r: null }]);
    expect(await probe(db, build!)).toBe(false);
  });

  it('adoption: the same definition matches (a default opclass written out too); each other option differs', async () => {
    await applySql(db, forward('create_index', spec));
    expect(await differences(objectOf(spec))).toEqual([]);
    const [tenant, published, slug, id] = spec.columns as [string, object, object, object];
    const variant = (columns: unknown[], extra: object = {}) => differences(objectOf({ ...spec, columns, ...extra }));
    expect(await variant([tenant, { ...published, nulls: 'first' }, slug, id])).toEqual([
      'key published_at is DESC NULLS LAST, the plan says DESC NULLS FIRST',
    ]);
    expect(await variant([tenant, published, { ...slug, opclass: 'varchar_pattern_ops' }, id])).toEqual([
      'key slug has operator class pg_catalog.text_pattern_ops, the plan says varchar_pattern_ops',
    ]);
    expect(await variant([tenant, published, { column: 'slug', opclass: 'text_pattern_ops' }, id])).toEqual([
      "key slug has collation C, the plan's key has its column's collation",
    ]);
    expect(await variant([tenant, published, { ...slug, collate: 'POSIX' }, id])).toEqual([
      'key slug has collation C, the plan says POSIX',
    ]);
    expect(await variant([tenant, published, 'slug', id])).toEqual([
      "key slug has COLLATE C text_pattern_ops, the plan's key has the defaults",
    ]);
    expect(await variant(spec.columns, { storage_parameters: { fillfactor: 80 } })).toEqual([
      'its storage parameters are (deduplicate_items=false, fillfactor=70), the plan says (fillfactor=80)',
    ]);
  });
});

describe.skipIf(!postgresAdminUrl)(
  'create_index with options and if_exists: adopt, run by the runner (PostgreSQL)',
  () => {
    let db: TestDatabase;
    let conn: Connection;
    beforeAll(async () => {
      db = await createPostgresDatabase('schemashift_index_adopt');
      await db.exec(
        `CREATE TABLE docs (id int, slug text, at timestamptz);
       CREATE INDEX docs_slug ON docs (slug COLLATE "C" text_pattern_ops, at DESC) WITH (fillfactor = 70)`,
      );
      conn = await connect(db.url!);
    });
    afterAll(async () => {
      await conn?.close();
      await db?.close();
    });

    async function adopt(name: string, columns: string, extra = ''): Promise<string> {
      const step = `create_index: { table: docs, name: docs_slug, columns: ${columns}${extra} }`;
      const plan = compilePlan(
        await parsePlan(`${name}.yaml`, `name: ${name}\nphases:\n  expand:\n    - ${step}\n      if_exists: adopt\n`),
      );
      const outcome = await runPlan(conn, plan, {
        mode: 'run',
        acceptDrift: false,
        answers: { yes: true },
        emit: () => undefined,
        signal: new AbortController().signal,
        command: () => 'schemashift run',
      }).catch((e: Error) => ({ message: e.message }));
      if ('message' in outcome) return outcome.message;
      const { rows } = await conn.query<{ adopted: boolean }>(
        'SELECT adopted FROM schemashift.steps WHERE plan_name = $1',
        [name],
      );
      return rows[0]?.adopted ? 'adopted' : JSON.stringify(outcome);
    }

    it('an index whose order differs is refused, naming the difference; the same definition is adopted', async () => {
      const slug = '{ column: slug, opclass: text_pattern_ops, collate: C }';
      expect(await adopt('asc', `[${slug}, at]`, ', storage_parameters: { fillfactor: 70 }')).toContain(
        "key at has DESC, the plan's key has the defaults",
      );
      expect(await adopt('nofill', `[${slug}, { column: at, sort: desc }]`)).toContain(
        'its storage parameters are (fillfactor=70), the plan says ()',
      );
      expect(
        await adopt('same', `[${slug}, { column: at, sort: desc }]`, ', storage_parameters: "fillfactor=70"'),
      ).toBe('adopted');
    });
  },
);
