/**
 * The blue/green comparison against real PostgreSQL: two databases on one server stand in for blue
 * and green (replication-compare-fixture.ts), and `waitForGreen` is the test's (it repairs, or
 * writes to blue, at chosen moments). Shapes of tables: replication-compare-shapes.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresReplicationCompare } from '../../src/dialects/postgres/replication-compare.js';
import { InterruptedError } from '../../src/runner/interrupted.js';
import { compareReplicatedTables, countBothSides } from '../../src/runner/replication-compare.js';
import { postgresAdminUrl } from '../support/databases.js';
import { blueGreenDatabases } from './replication-compare-fixture.js';

const LSN = /^[0-9A-F]+\/[0-9A-F]+$/;

describe.skipIf(!postgresAdminUrl)('compareReplicatedTables and countBothSides (PostgreSQL)', () => {
  const t = blueGreenDatabases();
  const { both, options } = t;
  let [blueDb, greenDb, blue, green] = [t.blueDb, t.greenDb, t.blue, t.green];
  beforeAll(() => void ([blueDb, greenDb, blue, green] = [t.blueDb, t.greenDb, t.blue, t.green]));

  describe('identical tables', () => {
    it('an int key over 25k rows in chunks of 1000: 25 chunks, no mismatch, each wait given blue’s LSN', async () => {
      await both(`CREATE TABLE same_int (id int PRIMARY KEY, name text, price numeric(10,2), at timestamptz, f float8);
        INSERT INTO same_int SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END, g / 3.0,
          CASE WHEN g % 5 = 0 THEN NULL ELSE timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute' END,
          g / 7.0 FROM generate_series(1, 25000) g`);
      const lsns: string[] = [];
      const progress: number[] = [];
      const [result] = await compareReplicatedTables(
        options(['same_int'], {
          waitForGreen: (lsn) => Promise.resolve(void lsns.push(lsn)),
          onProgress: (_t, chunks, rows) => progress.push(chunks * 1_000_000 + rows),
        }),
      );
      expect(result).toEqual({ table: 'same_int', rows: 25000, chunks: 25, rechecked: 0, mismatches: [], keyed: true });
      expect(lsns).toHaveLength(25);
      expect(lsns.every((l) => LSN.test(l))).toBe(true);
      expect(progress.at(-1)).toBe(25 * 1_000_000 + 25000);
    });

    it('chunksPerWait 8: blue read 8 chunks at a time, one wait each for the last LSN of the batch', async () => {
      const lsns: string[] = [];
      const waitForGreen = (lsn: string) => Promise.resolve(void lsns.push(lsn));
      const [result] = await compareReplicatedTables(options(['same_int'], { chunksPerWait: 8, waitForGreen }));
      expect(result).toMatchObject({ rows: 25000, chunks: 25, mismatches: [] });
      expect(lsns).toHaveLength(4);
    });

    it('waitOnlyOnDifference: green current, no wait at all', async () => {
      let waits = 0;
      const waitForGreen = () => Promise.resolve(void waits++);
      const [result] = await compareReplicatedTables(
        options(['same_int'], { waitOnlyOnDifference: true, waitForGreen }),
      );
      expect(result).toMatchObject({ rows: 25000, chunks: 25, mismatches: [] });
      expect(waits).toBe(0);
    });

    it('a composite key, with bytea, jsonb, interval and NULLs, green’s columns typed alike', async () => {
      await both(`CREATE TABLE same_composite (region text, n int, payload bytea, doc jsonb, gap interval, PRIMARY KEY (region, n));
        INSERT INTO same_composite SELECT CASE g % 3 WHEN 0 THEN 'eu' WHEN 1 THEN 'us' ELSE 'ap' END, g,
          CASE WHEN g % 4 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END, jsonb_build_object('g', g),
          g * interval '1 hour 3 seconds' FROM generate_series(1, 2500) g`);
      const [result] = await compareReplicatedTables(options(['same_composite']));
      expect(result).toMatchObject({ rows: 2500, chunks: 3, mismatches: [], keyed: true });
    });

    it('a text key with awkward values (quotes, commas, backslash, newline, empty, injection text)', async () => {
      const awkward = ['', ' ', 'a,b', '"quoted"', "it's", '\\', 'x\ny', '(1,2)', "'); DROP TABLE same_text; --", 'ü'];
      await both(`CREATE TABLE same_text (k text PRIMARY KEY, v int)`);
      for (const db of [blueDb, greenDb]) {
        await db.query('INSERT INTO same_text SELECT k, i FROM unnest($1::text[]) WITH ORDINALITY AS u(k, i)', [
          awkward,
        ]);
      }
      const [result] = await compareReplicatedTables(options(['same_text'], { chunkRows: 3 }));
      expect(result).toMatchObject({ rows: 10, chunks: 4, mismatches: [], keyed: true });
    });

    it('works on a Session as well as on a pooled Connection', async () => {
      await both(`CREATE TABLE same_session (id bigint PRIMARY KEY, v text);
        INSERT INTO same_session SELECT g, 'v' FROM generate_series(1, 1500) g`);
      const result = await blue.session((b) =>
        green.session((g) => compareReplicatedTables(options(['same_session'], { blue: b, green: g }))),
      );
      expect(result[0]).toMatchObject({ rows: 1500, chunks: 2, mismatches: [] });
    });
  });
  describe('differences', () => {
    const seed = (table: string, rows: number, step = 1) =>
      both(`CREATE TABLE ${table} (id int PRIMARY KEY, v text);
        INSERT INTO ${table} SELECT g * ${step}, 'v' || g FROM generate_series(1, ${rows}) g`);

    it('one row changed on green: exactly one mismatch, its chunk’s key range and row counts', async () => {
      await seed('diff_changed', 5000);
      await greenDb.exec(`UPDATE diff_changed SET v = 'other' WHERE id = 2500`);
      const [result] = await compareReplicatedTables(options(['diff_changed'], { rechecks: 2 }));
      expect(result!.mismatches).toEqual([
        { table: 'diff_changed', from: '2000', to: '3000', blue: { rows: 1000 }, green: { rows: 1000 } },
      ]);
      expect(result).toMatchObject({ rows: 5000, chunks: 5, rechecked: 1 });
    });

    it('with several chunks per wait the changed row’s chunk is still the one reported', async () => {
      const [result] = await compareReplicatedTables(options(['diff_changed'], { rechecks: 2, chunksPerWait: 3 }));
      expect(result!.mismatches).toEqual([
        { table: 'diff_changed', from: '2000', to: '3000', blue: { rows: 1000 }, green: { rows: 1000 } },
      ]);
      expect(result).toMatchObject({ rows: 5000, chunks: 5 });
    });

    it('a NULL on one side and an empty string on the other differ', async () => {
      await seed('diff_null', 1500);
      await blueDb.exec(`UPDATE diff_null SET v = NULL WHERE id = 10`);
      await greenDb.exec(`UPDATE diff_null SET v = '' WHERE id = 10`);
      const [result] = await compareReplicatedTables(options(['diff_null']));
      expect(result!.mismatches).toEqual([
        { table: 'diff_null', from: null, to: '1000', blue: { rows: 1000 }, green: { rows: 1000 } },
      ]);
    });

    it('a row missing on green, in the last chunk (unbounded above)', async () => {
      await seed('diff_missing', 4500);
      await greenDb.exec(`DELETE FROM diff_missing WHERE id = 4200`);
      const [result] = await compareReplicatedTables(options(['diff_missing']));
      expect(result!.mismatches).toEqual([
        { table: 'diff_missing', from: '4000', to: '', blue: { rows: 500 }, green: { rows: 499 } },
      ]);
      expect(result).toMatchObject({ rows: 4500, chunks: 5 });
    });

    it('extra rows on green above blue’s largest key are found (the last chunk is unbounded on both sides)', async () => {
      await seed('diff_above', 5000);
      await greenDb.exec(`INSERT INTO diff_above SELECT g, 'v' || g FROM generate_series(5001, 5010) g`);
      for (const rechecks of [0, 2]) {
        const [result] = await compareReplicatedTables(options(['diff_above'], { rechecks }));
        expect(result!.mismatches).toEqual([
          { table: 'diff_above', from: '4000', to: '', blue: { rows: 1000 }, green: { rows: 1010 } },
        ]);
        expect(result).toMatchObject({ rows: 5000, chunks: 5 });
      }
      // A last chunk that ends exactly on a chunk boundary is unbounded too.
      const [exact] = await compareReplicatedTables(options(['diff_above'], { chunkRows: 2500 }));
      expect(exact!.mismatches).toEqual([
        { table: 'diff_above', from: '2500', to: '', blue: { rows: 2500 }, green: { rows: 2510 } },
      ]);
    });

    it('an extra row on green inside the range, before blue’s first key too', async () => {
      await seed('diff_extra', 3000, 2);
      await greenDb.exec(`INSERT INTO diff_extra VALUES (2001, 'extra'), (-5, 'before')`);
      const [result] = await compareReplicatedTables(options(['diff_extra']));
      expect(result!.mismatches).toEqual([
        { table: 'diff_extra', from: null, to: '2000', blue: { rows: 1000 }, green: { rows: 1001 } },
        { table: 'diff_extra', from: '2000', to: '4000', blue: { rows: 1000 }, green: { rows: 1001 } },
      ]);
    });

    it('rows only on green when blue is empty', async () => {
      await both(`CREATE TABLE diff_empty (id int PRIMARY KEY, v text)`);
      await greenDb.exec(`INSERT INTO diff_empty VALUES (1, 'only green')`);
      const [result] = await compareReplicatedTables(options(['diff_empty']));
      expect(result).toMatchObject({ rows: 0, chunks: 1, keyed: true });
      expect(result!.mismatches).toEqual([
        { table: 'diff_empty', from: null, to: '', blue: { rows: 0 }, green: { rows: 1 } },
      ]);
    });

    it('a composite key’s range is shown as a row of its values', async () => {
      await both(`CREATE TABLE diff_pair (a text, b int, v int, PRIMARY KEY (a, b));
        INSERT INTO diff_pair SELECT 'x y', g, g FROM generate_series(1, 2000) g`);
      await greenDb.exec(`UPDATE diff_pair SET v = 0 WHERE b = 1500`);
      const [result] = await compareReplicatedTables(options(['diff_pair']));
      expect(result!.mismatches).toEqual([
        { table: 'diff_pair', from: '("x y", 1000)', to: '', blue: { rows: 1000 }, green: { rows: 1000 } },
      ]);
    });
  });

  describe('writes in flight', () => {
    it('a difference repaired while green is waited for (as replication would) is no mismatch, and was rechecked', async () => {
      await both(`CREATE TABLE flight_repair (id int PRIMARY KEY, v text);
        INSERT INTO flight_repair SELECT g, 'v' FROM generate_series(1, 3000) g`);
      await greenDb.exec(`UPDATE flight_repair SET v = 'stale' WHERE id = 1500`);
      let waits = 0;
      const waitForGreen = async () => {
        waits += 1;
        // Wait 1: chunk 1; wait 2: chunk 2 read as different; wait 3: its recheck, now applied.
        if (waits === 3) await greenDb.exec(`UPDATE flight_repair SET v = 'v' WHERE id = 1500`);
      };
      const [result] = await compareReplicatedTables(options(['flight_repair'], { rechecks: 3, waitForGreen }));
      expect(result).toMatchObject({ rows: 3000, chunks: 3, rechecked: 1, mismatches: [] });
      expect(waits).toBe(4);
    });

    it('a chunk written to between every read still verifies: rechecks narrow down to the rows that differed', async () => {
      await both(`CREATE TABLE flight_busy (id int PRIMARY KEY, n int);
        INSERT INTO flight_busy SELECT g, 0 FROM generate_series(1, 3000) g`);
      let writes = 0;
      // Each wait, one more row of the first chunk changes on blue after blue was read, and green
      // applies it at once: green is read ahead of blue's read, on another row every time.
      const waitForGreen = async () => {
        const id = ((writes++ * 37) % 1000) + 1;
        for (const db of [blueDb, greenDb]) await db.query('UPDATE flight_busy SET n = n + 1 WHERE id = $1', [id]);
      };
      const [result] = await compareReplicatedTables(options(['flight_busy'], { rechecks: 2, waitForGreen }));
      expect(result).toMatchObject({ rows: 3000, chunks: 3, rechecked: 1, mismatches: [] });
      expect(writes).toBe(5);
    });

    it('waitOnlyOnDifference: a chunk that differs is waited for and read again before any recheck', async () => {
      await both(`CREATE TABLE flight_late (id int PRIMARY KEY, v text);
        INSERT INTO flight_late SELECT g, 'v' FROM generate_series(1, 3000) g`);
      await greenDb.exec(`UPDATE flight_late SET v = 'not applied yet' WHERE id = 2500`);
      const lsns: string[] = [];
      const waitForGreen = async (lsn: string) => {
        lsns.push(lsn);
        await greenDb.exec(`UPDATE flight_late SET v = 'v' WHERE id = 2500`);
      };
      const [result] = await compareReplicatedTables(
        options(['flight_late'], { waitOnlyOnDifference: true, rechecks: 0, waitForGreen }),
      );
      expect(result).toMatchObject({ rows: 3000, chunks: 3, rechecked: 0, mismatches: [] });
      expect(lsns).toHaveLength(1);
      expect(lsns[0]).toMatch(LSN);
    });

    it('waitOnlyOnDifference: a lasting difference is still a mismatch', async () => {
      const [result] = await compareReplicatedTables(
        options(['diff_changed'], { waitOnlyOnDifference: true, rechecks: 2 }),
      );
      expect(result!.mismatches).toEqual([
        { table: 'diff_changed', from: '2000', to: '3000', blue: { rows: 1000 }, green: { rows: 1000 } },
      ]);
    });

    it('rows inserted on blue above its largest key during the walk, replicated when waited for, verify', async () => {
      await both(`CREATE TABLE flight_insert (id int PRIMARY KEY, v text);
        INSERT INTO flight_insert SELECT g, 'v' FROM generate_series(1, 5000) g`);
      let next = 5001;
      // Replication stands in: green gets what blue had when waited for, then blue goes on inserting.
      const waitForGreen = async () => {
        await greenDb.query(
          `INSERT INTO flight_insert SELECT g, 'new' FROM generate_series(5001, $1::int) g
          ON CONFLICT DO NOTHING`,
          [next - 1],
        );
        await blueDb.query(`INSERT INTO flight_insert SELECT g, 'new' FROM generate_series($1::int, $2::int) g`, [
          next,
          next + 699,
        ]);
        next += 700;
      };
      const [result] = await compareReplicatedTables(options(['flight_insert'], { rechecks: 0, waitForGreen }));
      expect(result).toMatchObject({ chunks: 5, mismatches: [] });
      // The last chunk read what blue had inserted above 5000 by then: 4 waits of 700 rows.
      expect(result!.rows).toBe(5000 + 4 * 700);
      expect(next).toBeGreaterThan(8000);
    });

    it('a writer updating blue while green is given its changes when waited for: every chunk verified', async () => {
      await both(`CREATE TABLE flight_writer (id int PRIMARY KEY, n int);
        INSERT INTO flight_writer SELECT g, 0 FROM generate_series(1, 20000) g`);
      let writing = true;
      let updates = 0;
      const writer = (async () => {
        for (let i = 0; writing; i++, updates++) {
          await blueDb.query('UPDATE flight_writer SET n = n + 1 WHERE id = $1', [((i * 7919) % 20000) + 1]);
        }
      })();
      // Replication stands in: everything blue has by now is copied to green.
      const waitForGreen = async () => {
        const rows = await blueDb.query<{ id: number; n: number }>('SELECT id, n FROM flight_writer WHERE n > 0');
        await greenDb.query(
          'UPDATE flight_writer f SET n = u.n FROM unnest($1::int[], $2::int[]) u(id, n) WHERE f.id = u.id',
          [rows.map((r) => r.id), rows.map((r) => r.n)],
        );
      };
      try {
        const [result] = await compareReplicatedTables(
          options(['flight_writer'], { rechecks: 20, recheckPauseMs: 1, waitForGreen }),
        );
        expect(result).toMatchObject({ rows: 20000, chunks: 20, mismatches: [] });
        expect(updates).toBeGreaterThan(20);
      } finally {
        writing = false;
        await writer;
      }
    });
  });

  describe('counts and stopping', () => {
    it('countBothSides returns each side’s exact count per table', async () => {
      await both(`CREATE TABLE count_a (id int PRIMARY KEY); CREATE TABLE count_b (v text);
        INSERT INTO count_a SELECT generate_series(1, 1234); INSERT INTO count_b SELECT 'x' FROM generate_series(1, 77)`);
      await greenDb.exec(`DELETE FROM count_a WHERE id <= 4; INSERT INTO count_b VALUES ('y')`);
      const counts = await countBothSides(options(['count_a', 'public.count_b']));
      expect(counts).toEqual([
        { table: 'count_a', blue: 1234, green: 1230 },
        { table: 'public.count_b', blue: 77, green: 78 },
      ]);
    });

    it('a quoted name whose schema and table hold a dot (as the blue/green steps pass them) is counted and compared', async () => {
      await both(`CREATE SCHEMA "blue.green"; CREATE TABLE "blue.green"."or""ders.x" (id int PRIMARY KEY);
        INSERT INTO "blue.green"."or""ders.x" SELECT generate_series(1, 300)`);
      await greenDb.exec(`DELETE FROM "blue.green"."or""ders.x" WHERE id = 7`);
      const name = '"blue.green"."or""ders.x"';
      expect(await countBothSides(options([name]))).toEqual([{ table: name, blue: 300, green: 299 }]);
      const [result] = await compareReplicatedTables(options([name], { chunkRows: 100 }));
      expect(result).toMatchObject({ table: name, rows: 300, keyed: true });
      expect(result?.mismatches).toHaveLength(1);
    });

    it('an abort stops the walk between chunks', async () => {
      await both(`CREATE TABLE stop_walk (id int PRIMARY KEY);
        INSERT INTO stop_walk SELECT generate_series(1, 5000)`);
      const controller = new AbortController();
      let waits = 0;
      const waitForGreen = () => Promise.resolve(void (++waits === 2 && controller.abort()));
      await expect(
        compareReplicatedTables(options(['stop_walk'], { waitForGreen, signal: controller.signal })),
      ).rejects.toBeInstanceOf(InterruptedError);
      expect(waits).toBe(2);
    });

    it('the comparison only reads: a chunk runs in a READ ONLY transaction', async () => {
      const begin = postgresReplicationCompare.beginReadOnly;
      await blue.session(async (s) => {
        await s.exec(begin);
        await expect(s.query('CREATE TABLE must_not_exist (id int)')).rejects.toThrow(/read-only transaction/);
        await s.exec(postgresReplicationCompare.rollback);
      });
    });
  });
});
