/**
 * Review finding 6: an UPDATE of ANY column the sync expression reads is reflected in the new
 * column (not only an UPDATE of the source column), for both application versions, on real
 * PostgreSQL. The backfill writes the forward value and must not rewrite the old column.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../src/operations/types.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { forward, runPhase } from '../support/operations.js';

const pg = postgresAdminUrl ? describe : describe.skip;

async function values(db: TestDatabase, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).map((row) => Object.values(row));
}

pg('the sync trigger recomputes on a change to any column its expression reads', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(() => db.close());

  const expression = "coalesce(review, product || ' is good')";

  it("pgroll's scenario: old-version UPDATE of product after expand and migrate reaches review_new", async () => {
    await db.exec(
      'DROP TABLE IF EXISTS reviews; CREATE TABLE reviews (id int PRIMARY KEY, product text NOT NULL, review text, note text)',
    );
    await db.exec("INSERT INTO reviews (id, product) VALUES (1, 'apple'), (2, 'pear')");
    const spec = {
      table: 'reviews',
      column: { name: 'review_new', type: 'text' },
      sync_from: { column: 'review', expression },
    };
    const steps: Step[] = [
      ...forward('add_column', spec),
      ...forward(
        'backfill',
        { table: 'reviews', set: { review_new: expression }, where: 'review_new IS NULL', key: ['id'] },
        'migrate',
        'fill',
      ),
    ];
    await runPhase(db, steps, 'expand');
    await runPhase(db, steps, 'migrate');
    expect(await values(db, 'SELECT id, review_new FROM reviews ORDER BY id')).toEqual([
      [1, 'apple is good'],
      [2, 'pear is good'],
    ]);
    await db.exec("UPDATE reviews SET product = 'banana' WHERE id = 1"); // old version
    await db.exec("UPDATE reviews SET review_new = 'mine' WHERE id = 2"); // new version
    await db.exec("UPDATE reviews SET note = 'unrelated' WHERE id = 2"); // old version, a column the expression does not read
    expect(await values(db, 'SELECT id, review_new FROM reviews ORDER BY id')).toEqual([
      [1, 'banana is good'],
      [2, 'mine'],
    ]);
  });

  it('both ways: an old-version UPDATE of a read column reaches the new one; the backfill leaves the old column alone', async () => {
    await db.exec(
      'DROP TABLE IF EXISTS reviews; CREATE TABLE reviews (id int PRIMARY KEY, product text NOT NULL, review text)',
    );
    await db.exec("INSERT INTO reviews (id, product, review) VALUES (1, 'apple', NULL), (2, 'pear', 'sweet')");
    const spec = {
      table: 'reviews',
      column: { name: 'summary', type: 'text' },
      sync_from: { column: 'review', expression, reverse: "nullif(summary, product || ' is good')" },
    };
    const steps: Step[] = [
      ...forward('add_column', spec),
      ...forward(
        'backfill',
        { table: 'reviews', set: { summary: expression }, where: 'summary IS NULL', key: ['id'] },
        'migrate',
        'fill',
      ),
    ];
    await runPhase(db, steps, 'expand');
    await runPhase(db, steps, 'migrate');
    expect(await values(db, 'SELECT id, review, summary FROM reviews ORDER BY id')).toEqual([
      [1, null, 'apple is good'],
      [2, 'sweet', 'sweet'],
    ]);
    await db.exec("UPDATE reviews SET product = 'banana' WHERE id = 1"); // old version
    await db.exec("UPDATE reviews SET summary = 'crisp' WHERE id = 2"); // new version
    expect(await values(db, 'SELECT id, review, summary FROM reviews ORDER BY id')).toEqual([
      [1, null, 'banana is good'],
      [2, 'crisp', 'crisp'],
    ]);
  });

  it('change_type whose `using` reads another column: an old-version UPDATE of that column reaches the temp column and the swapped-in one', async () => {
    await db.exec(
      'DROP TABLE IF EXISTS prices; CREATE TABLE prices (id int PRIMARY KEY, amount int NOT NULL, scale int NOT NULL, meta json)',
    );
    await db.exec("INSERT INTO prices VALUES (1, 150, 2, '{}'), (2, 7, 0, '{}')");
    const spec = {
      table: 'prices',
      column: 'amount',
      type: 'numeric',
      using: 'amount / (10 ^ scale)::numeric',
      backfill: { key: ['id'] },
      not_null: true,
    };
    const steps = forward('change_type', spec);
    await runPhase(db, steps, 'expand');
    await runPhase(db, steps, 'migrate');
    await db.exec('UPDATE prices SET scale = 1 WHERE id = 1'); // old version changes only the other column
    await db.exec('UPDATE prices SET meta = \'{"a": 1}\' WHERE id = 2'); // a json column: no = operator, must not break writes
    expect(await values(db, 'SELECT id, amount_new::text FROM prices ORDER BY id')).toEqual([
      [1, '15.0000000000000000'],
      [2, '7.0000000000000000'],
    ]);
    await runPhase(db, steps, 'contract');
    expect(await values(db, 'SELECT id, amount::text FROM prices ORDER BY id')).toEqual([
      [1, '15.0000000000000000'],
      [2, '7.0000000000000000'],
    ]);
  });
});
