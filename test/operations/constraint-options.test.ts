/**
 * The options of add_foreign_key (match, deferrable, ON DELETE SET NULL (cols)), add_check
 * (no_inherit) and add_unique (nulls_not_distinct, deferrable, index_parameters): SQL, load-time
 * refusals, the catalog after forward and inverse, and adoption that sees every option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import type { DbObject, SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

const fk = {
  table: 'posts',
  name: 'posts_author_fk',
  columns: ['tenant_id', 'author_id'],
  references: { table: 'authors', columns: ['tenant_id', 'id'] },
  match: 'full',
  on_delete: { action: 'set_null', columns: ['author_id'] },
  on_update: 'cascade',
  deferrable: true,
  initially_deferred: true,
};
const unique = {
  table: 'posts',
  name: 'posts_slug_key',
  columns: ['tenant_id', 'slug'],
  nulls_not_distinct: true,
  deferrable: true,
  index_parameters: { include: ['title'], storage_parameters: 'fillfactor=80, deduplicate_items=off' },
};

describe('constraint options SQL', () => {
  it('foreign key: MATCH FULL, ON DELETE SET NULL (cols), DEFERRABLE INITIALLY DEFERRED, still NOT VALID', () => {
    expect(sqlOf(forward('add_foreign_key', fk))[0]).toBe(
      'ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (tenant_id, author_id) REFERENCES authors ' +
        '(tenant_id, id) MATCH FULL ON DELETE SET NULL (author_id) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED ' +
        'NOT VALID',
    );
    expect(
      sqlOf(
        forward('add_foreign_key', { ...fk, match: 'simple', initially_deferred: false, on_delete: 'set_default' }),
      )[0],
    ).toBe(
      'ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (tenant_id, author_id) REFERENCES authors ' +
        '(tenant_id, id) ON DELETE SET DEFAULT ON UPDATE CASCADE DEFERRABLE NOT VALID',
    );
  });

  it('check: NO INHERIT', () => {
    expect(sqlOf(forward('add_check', { table: 'posts', name: 'c', expression: 'id > 0', no_inherit: true }))[0]).toBe(
      'ALTER TABLE posts ADD CONSTRAINT c CHECK (id > 0) NO INHERIT NOT VALID',
    );
  });

  it('unique: NULLS NOT DISTINCT, INCLUDE and WITH on the online build; DEFERRABLE on the attach', () => {
    expect(sqlOf(forward('add_unique', unique))).toEqual([
      'CREATE UNIQUE INDEX CONCURRENTLY posts_slug_key ON posts (tenant_id, slug) INCLUDE (title) NULLS NOT DISTINCT ' +
        "WITH (fillfactor = 80, deduplicate_items = 'off')",
      'ALTER TABLE posts ADD CONSTRAINT posts_slug_key UNIQUE USING INDEX posts_slug_key DEFERRABLE',
    ]);
  });

  it.each([
    ['add_foreign_key', { ...fk, match: 'partial' }, /MATCH PARTIAL is not implemented by PostgreSQL/],
    [
      'add_foreign_key',
      { ...fk, on_update: { action: 'set_null', columns: ['author_id'] } },
      /only supported for ON DELETE/,
    ],
    [
      'add_foreign_key',
      { ...fk, on_delete: { action: 'set_null', columns: ['title'] } },
      /title is not a column of this foreign key/,
    ],
    [
      'add_foreign_key',
      { ...fk, on_delete: { action: 'cascade', columns: ['author_id'] } },
      /set_null|set_default|invalid/i,
    ],
    ['add_foreign_key', { ...fk, deferrable: false }, /initially_deferred needs deferrable/],
    [
      'add_unique',
      { ...unique, deferrable: undefined, initially_deferred: true },
      /initially_deferred needs deferrable/,
    ],
    ['add_unique', { ...unique, index_parameters: { storage_parameters: { pages_per_range: 4 } } }, /pages_per_range/],
    [
      'add_unique',
      { ...unique, index_parameters: { storage_parameters: "fillfactor=80'" } },
      /storage_parameters|unexpected|list/,
    ],
    ['add_unique', { ...unique, index_parameters: { storage_parameters: { "fill'factor": 80 } } }, /key|identifier/i],
    ['add_unique', { ...unique, index_parameters: { storage_parameters: { fillfactor: "80') x" } } }, /word/],
  ])('%s refuses %j', (kind, spec, message) => {
    expect(() => parseSpec(kind, spec)).toThrow(message);
  });
});

describe.each(engines)('constraint options on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec(
      `CREATE TABLE authors (tenant_id int, id int, PRIMARY KEY (tenant_id, id));
       INSERT INTO authors VALUES (1, 1), (1, 2);
       CREATE TABLE posts (id int PRIMARY KEY, tenant_id int, author_id int, slug text, title text);
       INSERT INTO posts VALUES (1, 1, 1, 'a', 'A'), (2, 1, 2, NULL, 'B');
       CREATE TABLE posts_archive () INHERITS (posts)`,
    );
  });
  afterAll(() => db.close());

  const constraint = (name: string) =>
    db.query<Record<string, unknown>>(
      `SELECT contype, confmatchtype, condeferrable, condeferred, connoinherit, convalidated,
              (SELECT array_agg(attname::text ORDER BY attname) FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY (confdelsetcols)) AS setcols
         FROM pg_constraint WHERE conname = $1 AND conrelid = 'posts'::regclass`,
      [name],
    );
  /** Differences between the plan's definition and what the catalog has by that name (empty: adoptable). */
  async function differences(o: DbObject): Promise<string[]> {
    const [row] = await db.query<{ def: Record<string, unknown> | null }>(postgres.probes.objectDefinition(o));
    return row?.def ? postgres.probes.definitionDifferences(o, row.def) : ['missing'];
  }
  const effectOf = (steps: unknown[], i = 0) => (steps[i] as SqlStep).effect!.object;

  it('foreign key: the catalog has every option; SET NULL clears only author_id; the definition matches', async () => {
    const steps = forward('add_foreign_key', fk) as SqlStep[];
    expect(await probe(db, steps[0]!)).toBe(false);
    await applySql(db, steps);
    expect(await constraint('posts_author_fk')).toEqual([
      {
        contype: 'f',
        confmatchtype: 'f',
        condeferrable: true,
        condeferred: true,
        connoinherit: true,
        convalidated: true,
        setcols: ['author_id'],
      },
    ]);
    expect([await probe(db, steps[0]!), await probe(db, steps[1]!)]).toEqual([true, true]);
    // MATCH FULL: setting only author_id to NULL would leave a half-NULL key, which MATCH FULL refuses.
    await expect(db.exec('DELETE FROM authors WHERE id = 2')).rejects.toMatchObject({ code: '23503' });
    expect(await differences(effectOf(steps))).toEqual([]);
    const plain = forward('add_foreign_key', {
      ...fk,
      match: undefined,
      on_delete: 'set_null',
      deferrable: undefined,
      initially_deferred: undefined,
    });
    expect(await differences(effectOf(plain))).toEqual([
      "it is DEFERRABLE INITIALLY DEFERRED, the plan's is NOT DEFERRABLE",
      "it is MATCH FULL, the plan's is MATCH SIMPLE",
      'its ON DELETE sets (author_id), the plan says all key columns',
    ]);
    const undo = inverse('add_foreign_key', fk);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await constraint('posts_author_fk')).toEqual([]);
    // MATCH SIMPLE: ON DELETE SET NULL (author_id) clears only author_id, tenant_id stays.
    const simple = { ...fk, match: 'simple', deferrable: false, initially_deferred: false };
    await applySql(db, forward('add_foreign_key', simple));
    await db.exec('DELETE FROM authors WHERE id = 2');
    expect(await db.query('SELECT tenant_id, author_id FROM posts WHERE id = 2')).toEqual([
      { tenant_id: 1, author_id: null },
    ]);
    const undoSimple = inverse('add_foreign_key', simple);
    if (!('steps' in undoSimple)) throw new Error('expected reversible');
    await applySql(db, undoSimple.steps);
  });

  it('check NO INHERIT: children do not get it; an inherited check differs', async () => {
    const spec = { table: 'posts', name: 'posts_title_check', expression: 'length(title) > 0', no_inherit: true };
    const steps = forward('add_check', spec) as SqlStep[];
    await applySql(db, steps);
    expect(await constraint('posts_title_check')).toMatchObject([
      { contype: 'c', connoinherit: true, convalidated: true },
    ]);
    expect(
      await db.query(
        `SELECT 1 FROM pg_constraint WHERE conrelid = 'posts_archive'::regclass AND conname = 'posts_title_check'`,
      ),
    ).toEqual([]);
    expect(await differences(effectOf(steps))).toEqual([]);
    expect(await differences(effectOf(forward('add_check', { ...spec, no_inherit: false })))).toEqual([
      'it is NO INHERIT, the plan says the other',
    ]);
    const undo = inverse('add_check', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await constraint('posts_title_check')).toEqual([]);
  });

  it('unique NULLS NOT DISTINCT, deferrable, with storage parameters and INCLUDE; adoption sees each', async () => {
    const steps = forward('add_unique', unique) as SqlStep[];
    await applySql(db, steps);
    expect(await constraint('posts_slug_key')).toMatchObject([
      { contype: 'u', condeferrable: true, condeferred: false },
    ]);
    const [index] = await db.query<Record<string, unknown>>(
      `SELECT i.indnullsnotdistinct, c.reloptions, i.indnkeyatts, i.indnatts FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indexrelid = 'posts_slug_key'::regclass`,
    );
    expect(index).toEqual({
      indnullsnotdistinct: true,
      reloptions: ['fillfactor=80', 'deduplicate_items=off'],
      indnkeyatts: 2,
      indnatts: 3,
    });
    expect([await probe(db, steps[0]!), await probe(db, steps[1]!)]).toEqual([true, true]);
    // One NULL slug per tenant at most, checked at commit only when deferred.
    await expect(db.exec(`INSERT INTO posts VALUES (3, 1, 1, NULL, 'C')`)).rejects.toMatchObject({ code: '23505' });
    // The constraint's definition matches; the index (renamed to the constraint's name) too.
    expect(await differences(effectOf(steps, 1))).toEqual([]);
    expect(await differences({ ...(effectOf(steps) as object), name: 'posts_slug_key' } as DbObject)).toEqual([]);
    const other = forward('add_unique', {
      ...unique,
      nulls_not_distinct: false,
      deferrable: false,
      index_parameters: undefined,
    });
    expect(await differences({ ...(effectOf(other) as object), name: 'posts_slug_key' } as DbObject)).toEqual([
      'INCLUDE is (title), the plan says none',
      "it is NULLS NOT DISTINCT (one NULL at most), the plan's is not",
      'its storage parameters are (deduplicate_items=off, fillfactor=80), the plan says ()',
    ]);
    expect(await differences(effectOf(other, 1))).toEqual([
      "it is DEFERRABLE INITIALLY IMMEDIATE, the plan's is NOT DEFERRABLE",
    ]);
    const undo = inverse('add_unique', unique);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await constraint('posts_slug_key')).toEqual([]);
  });
});
