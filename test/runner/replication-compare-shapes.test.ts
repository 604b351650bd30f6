/**
 * The blue/green comparison and the shapes of tables: column order, missing columns, other types,
 * collations, keys (primary, replica identity, none, green's), hostile names.
 */
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/index.js';
import { compareReplicatedTables } from '../../src/runner/replication-compare.js';
import { recheckRows } from '../../src/runner/replication-compare-rows.js';
import { postgresAdminUrl } from '../support/databases.js';
import { blueGreenDatabases } from './replication-compare-fixture.js';

describe.skipIf(!postgresAdminUrl)('compareReplicatedTables: table shapes (PostgreSQL)', () => {
  const t = blueGreenDatabases();
  const { both, options } = t;
  let [blueDb, greenDb, blue, green] = [t.blueDb, t.greenDb, t.blue, t.green];
  beforeAll(() => void ([blueDb, greenDb, blue, green] = [t.blueDb, t.greenDb, t.blue, t.green]));

  it('green with its columns in another order is still equal', async () => {
    await blueDb.exec(`CREATE TABLE shape_order (id int PRIMARY KEY, a text, b int, c date)`);
    await greenDb.exec(`CREATE TABLE shape_order (c date, b int, extra text, id int PRIMARY KEY, a text)`);
    await blueDb.exec(
      `INSERT INTO shape_order SELECT g, 'a' || g, g, date '2020-01-01' + g FROM generate_series(1, 1200) g`,
    );
    await greenDb.exec(
      `INSERT INTO shape_order (id, a, b, c, extra) SELECT g, 'a' || g, g, date '2020-01-01' + g, 'green only' FROM generate_series(1, 1200) g`,
    );
    const [result] = await compareReplicatedTables(options(['shape_order']));
    expect(result).toMatchObject({ rows: 1200, chunks: 2, mismatches: [] });
  });

  it('a column missing on green is refused with a clear error', async () => {
    await blueDb.exec(`CREATE TABLE shape_missing (id int PRIMARY KEY, a text, note text)`);
    await greenDb.exec(`CREATE TABLE shape_missing (id int PRIMARY KEY, a text)`);
    await expect(compareReplicatedTables(options(['shape_missing']))).rejects.toThrow(
      "green's shape_missing has no column note, which blue has",
    );
  });

  it('a column of another type on green is refused, naming both types', async () => {
    await blueDb.exec(`CREATE TABLE shape_type (id int PRIMARY KEY, a varchar(20))`);
    await greenDb.exec(`CREATE TABLE shape_type (id int PRIMARY KEY, a varchar(40))`);
    await expect(compareReplicatedTables(options(['shape_type']))).rejects.toThrow(
      'column a of shape_type is character varying(20) on blue but character varying(40) on green',
    );
  });

  it('a key column ordered by another collation on green is refused', async () => {
    await blueDb.exec(`CREATE TABLE shape_collation (k text COLLATE "C" PRIMARY KEY)`);
    await greenDb.exec(`CREATE TABLE shape_collation (k text COLLATE "POSIX" PRIMARY KEY)`);
    await expect(compareReplicatedTables(options(['shape_collation']))).rejects.toThrow(
      'key column k of shape_collation is ordered by collation C on blue but POSIX on green',
    );
  });

  it('green without blue’s unique key (rows could be duplicated there) is refused', async () => {
    await blueDb.exec(`CREATE TABLE shape_nokey (id int PRIMARY KEY, v text);
        INSERT INTO shape_nokey SELECT g, 'v' || g FROM generate_series(1, 5000) g`);
    await greenDb.exec(`CREATE TABLE shape_nokey (id int, v text);
        INSERT INTO shape_nokey SELECT g, 'v' || g FROM generate_series(1, 5000) g;
        INSERT INTO shape_nokey SELECT * FROM shape_nokey WHERE id <= 50`);
    await expect(compareReplicatedTables(options(['shape_nokey'], { rechecks: 2 }))).rejects.toThrow(
      "green's shape_nokey has no primary key or replica identity index, while blue's is on (id)",
    );
    await blueDb.exec(`CREATE TABLE shape_otherkey (a int, b int, PRIMARY KEY (a, b))`);
    await greenDb.exec(`CREATE TABLE shape_otherkey (a int PRIMARY KEY, b int)`);
    await expect(compareReplicatedTables(options(['shape_otherkey']))).rejects.toThrow(
      "green's shape_otherkey is keyed on (a) but blue's on (a, b)",
    );
    // The same key columns in another order are the same unique key.
    await blueDb.exec(`CREATE TABLE shape_keyorder (a int, b int, PRIMARY KEY (a, b))`);
    await greenDb.exec(`CREATE TABLE shape_keyorder (a int, b int, PRIMARY KEY (b, a))`);
    await expect(compareReplicatedTables(options(['shape_keyorder']))).resolves.toMatchObject([{ mismatches: [] }]);
  });

  it('the row recheck counts rows, and a key read twice on green never verifies', async () => {
    // Past checkGreen's refusal (defence in depth): the recheck itself on a keyless green.
    const shape = {
      table: 'shape_nokey',
      columns: [
        { name: 'id', type: 'integer', collation: null },
        { name: 'v', type: 'text', collation: null },
      ],
      key: [{ name: 'id', type: 'integer', collation: null }],
    };
    const outcome = await blue.session((b) =>
      green.session((g) =>
        recheckRows(
          {
            ...options([]),
            blue: b,
            green: g,
            rechecks: 3,
            chunksPerWait: 1,
            waitOnlyOnDifference: false,
            recheckPauseMs: 1,
          },
          shape,
          { from: null, to: null },
        ),
      ),
    );
    expect(outcome).toEqual({ matched: false, blueRows: 5000, greenRows: 5050 });
  });

  it('a database ordering text by ICU is told apart from one ordering it by libc with the same datcollate', async () => {
    const name = `ss_green_icu_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: postgresAdminUrl! });
    await admin.connect();
    const datcollate = (
      await blueDb.query<{ c: string }>('SELECT datcollate AS c FROM pg_database WHERE datname = current_database()')
    )[0]!.c;
    await admin.query(
      `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LOCALE '${datcollate}'`,
    );
    const url = new URL(postgresAdminUrl!);
    url.pathname = `/${name}`;
    const icu = await connect(url.toString());
    try {
      await blueDb.exec(`CREATE TABLE shape_icu (k text PRIMARY KEY)`);
      await icu.exec(`CREATE TABLE shape_icu (k text PRIMARY KEY)`);
      await expect(compareReplicatedTables(options(['shape_icu'], { green: icu }))).rejects.toThrow(
        `key column k of shape_icu is ordered by collation ${datcollate} on blue but icu:de-DE on green`,
      );
    } finally {
      await icu.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('a table missing on either side is refused', async () => {
    await blueDb.exec(`CREATE TABLE shape_blue_only (id int PRIMARY KEY)`);
    await expect(compareReplicatedTables(options(['shape_blue_only']))).rejects.toThrow(
      'table shape_blue_only does not exist on green',
    );
    await expect(compareReplicatedTables(options(['public.shape_nowhere']))).rejects.toThrow(
      'table public.shape_nowhere does not exist on blue',
    );
  });

  it('a table without a key is compared by count only, and a missing row is still found', async () => {
    await both(`CREATE TABLE shape_keyless (a int, b text);
        INSERT INTO shape_keyless SELECT g, 'b' FROM generate_series(1, 3000) g`);
    const [same] = await compareReplicatedTables(options(['shape_keyless']));
    expect(same).toEqual({
      table: 'shape_keyless',
      rows: 3000,
      chunks: 1,
      rechecked: 0,
      mismatches: [],
      keyed: false,
    });
    await greenDb.exec(`DELETE FROM shape_keyless WHERE a = 7`);
    const [differs] = await compareReplicatedTables(options(['shape_keyless']));
    expect(differs!.mismatches).toEqual([
      { table: 'shape_keyless', from: null, to: '', blue: { rows: 3000 }, green: { rows: 2999 } },
    ]);
  });

  it('without a primary key, the replica identity index is the key', async () => {
    await both(`CREATE TABLE shape_replident (code text NOT NULL, n int NOT NULL, v int);
        CREATE UNIQUE INDEX shape_replident_key ON shape_replident (n, code);
        ALTER TABLE shape_replident REPLICA IDENTITY USING INDEX shape_replident_key;
        INSERT INTO shape_replident SELECT 'c', g, g FROM generate_series(1, 2000) g`);
    await greenDb.exec(`UPDATE shape_replident SET v = -1 WHERE n = 1999`);
    const [result] = await compareReplicatedTables(options(['shape_replident']));
    expect(result).toMatchObject({ keyed: true, chunks: 2 });
    expect(result!.mismatches).toEqual([
      { table: 'shape_replident', from: '(1000, c)', to: '', blue: { rows: 1000 }, green: { rows: 1000 } },
    ]);
  });

  it('hostile schema, table and column names (quotes, spaces, a dot in the name) work', async () => {
    await both(`CREATE SCHEMA "we ird";
        CREATE TABLE "we ird"."Or""ders; x.y" ("the id" int, "k""2" text, "select" text, PRIMARY KEY ("the id", "k""2"));
        INSERT INTO "we ird"."Or""ders; x.y" SELECT g, 'k ' || g, 's' FROM generate_series(1, 1500) g`);
    await greenDb.exec(`UPDATE "we ird"."Or""ders; x.y" SET "select" = 'changed' WHERE "the id" = 10`);
    const [result] = await compareReplicatedTables(options(['we ird.Or"ders; x.y'], { rechecks: 3 }));
    expect(result).toMatchObject({ table: 'we ird.Or"ders; x.y', rows: 1500, chunks: 2, keyed: true });
    expect(result!.mismatches).toEqual([
      {
        table: 'we ird.Or"ders; x.y',
        from: null,
        to: '(1000, "k 1000")',
        blue: { rows: 1000 },
        green: { rows: 1000 },
      },
    ]);
  });
});
