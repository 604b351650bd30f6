/**
 * The catalog side of carrying, on both engines: what readColumnAttachments reads, and the check
 * of a change_type entry (including whether its declared default fits the new type).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connect, type Connection } from '../../src/db/index.js';
import { carryEntries, checkCarryEntry } from '../../src/introspect/carry-entries.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';

const readColumnAttachments = postgres.introspect.columnAttachments.bind(postgres.introspect);
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { createPostgresDatabase, postgresAdminUrl } from '../support/databases.js';

const engines = [
  ...(postgresAdminUrl
    ? [
        {
          name: 'postgres',
          open: async () => {
            const db = await createPostgresDatabase('schemashift_carry_catalog');
            const conn = await connect(db.url!);
            return { conn, close: async () => (await conn.close(), await db.close()) };
          },
        },
      ]
    : []),
  {
    name: 'pglite',
    open: async () => {
      const conn = await connect('pglite://memory');
      return { conn, close: () => conn.close() };
    },
  },
];

async function entryCheck(conn: Connection, spec: Record<string, unknown>) {
  const compiled = compilePlan(
    await parsePlan('carry.yaml', stringify({ name: 'carry', phases: { expand: [{ change_type: spec }] } })),
  );
  const [carry] = carryEntries(compiled);
  return checkCarryEntry(conn, carry!);
}

describe.each(engines)('column attachments on $name', ({ open }) => {
  let db: { conn: Connection; close: () => Promise<void> };
  beforeAll(async () => {
    db = await open();
    await db.conn.exec(`
      CREATE TABLE kinds (code text PRIMARY KEY);
      CREATE TABLE things (id serial PRIMARY KEY, code text NOT NULL DEFAULT 'x' REFERENCES kinds (code) ON DELETE CASCADE, n int CHECK (n > 0));
      CREATE INDEX things_code_desc ON things (code DESC);
      CREATE INDEX things_lower_code ON things (lower(code)) WHERE n > 1;
      CREATE TABLE refs (thing_id int REFERENCES things (id));
      CREATE VIEW thing_codes AS SELECT code FROM things;`);
  });
  afterAll(() => db.close());

  it('reads NOT NULL, default, indexes (with their options), foreign keys both ways, views and the serial sequence', async () => {
    const code = await readColumnAttachments(db.conn, 'things', 'code');
    expect(code).toMatchObject({
      notNull: true,
      default: "'x'::text",
      ownedSequence: null,
      inboundForeignKeys: [],
      views: [{ name: 'thing_codes', kind: 'view' }],
      others: [],
    });
    expect(code?.indexes.map((i) => [i.name, i.keys, i.where, i.plain])).toEqual([
      ['things_code_desc', ['code'], null, false],
      ['things_lower_code', ['lower(code)'], 'n > 1', true],
    ]);
    expect(code?.foreignKeys).toEqual([
      {
        name: 'things_code_fkey',
        columns: ['code'],
        references: { table: 'kinds', columns: ['code'] },
        onDelete: 'cascade',
        onUpdate: 'no_action',
        plain: true,
      },
    ]);
    const id = await readColumnAttachments(db.conn, 'things', 'id');
    expect(id).toMatchObject({
      ownedSequence: 'things_id_seq',
      default: "nextval('things_id_seq'::regclass)",
      inboundForeignKeys: [{ name: 'refs_thing_id_fkey', table: 'refs' }],
    });
    expect(id?.indexes.map((i) => [i.name, i.constraint, i.unique])).toEqual([['things_pkey', 'p', true]]);
    expect(await readColumnAttachments(db.conn, 'things', 'nope')).toBeNull();
    expect(await readColumnAttachments(db.conn, 'nope', 'code')).toBeNull();
  });

  it('a change_type whose declared default does not fit the new type is blocked before anything runs; one that fits passes', async () => {
    await db.conn.exec("CREATE TABLE counts (id int PRIMARY KEY, c text NOT NULL DEFAULT '0')");
    const unfit = await entryCheck(db.conn, {
      table: 'counts',
      column: 'c',
      type: 'integer',
      using: 'c::integer',
      not_null: true,
      default: "'0'::text",
    });
    expect(unfit?.severity).toBe('error');
    expect(unfit?.message).toMatch(
      /the declared default '0'::text cannot be the default of a column of type integer \(.*\): the contract swap would fail after contract started/,
    );
    expect(
      await entryCheck(db.conn, {
        table: 'counts',
        column: 'c',
        type: 'integer',
        using: 'c::integer',
        not_null: true,
        default: '0',
      }),
    ).toBeNull();
    expect(
      await db.conn.query("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'schemashift_default_probe'"),
    ).toMatchObject({ rows: [{ n: 0 }] });
  });

  it('a non-default collation is read as schema.name; change_type declaring it for a type without collations is blocked before anything runs', async () => {
    await db.conn.exec('CREATE TABLE labels (id int PRIMARY KEY, code text COLLATE "C", plain text)');
    expect(await readColumnAttachments(db.conn, 'labels', 'code')).toMatchObject({ collation: 'pg_catalog.C' });
    expect(await readColumnAttachments(db.conn, 'labels', 'plain')).toMatchObject({ collation: null });
    expect(
      (await entryCheck(db.conn, { table: 'labels', column: 'code', type: 'integer', using: 'length(code)' }))?.message,
    ).toMatch(/would lose COLLATE pg_catalog\.C/);
    const unfit = await entryCheck(db.conn, {
      table: 'labels',
      column: 'code',
      type: 'integer',
      using: 'length(code)',
      collation: 'pg_catalog.C',
    });
    expect(unfit?.message).toMatch(
      /the declared collation pg_catalog\.C cannot be given to a column of type integer \(.*\)\. Declare collation: null/,
    );
    expect(
      await entryCheck(db.conn, {
        table: 'labels',
        column: 'code',
        type: 'integer',
        using: 'length(code)',
        collation: null,
      }),
    ).toBeNull();
    expect(
      await entryCheck(db.conn, { table: 'labels', column: 'code', type: 'varchar(20)', collation: 'pg_catalog.C' }),
    ).toBeNull();
  });
});
