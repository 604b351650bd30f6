/**
 * pgroll scenarios for the shadow-column operations: set_not_null with up (S32), drop_not_null with
 * down (S37), change_type (S45) and a primary key column's type (S49), through the CLI on PostgreSQL
 * 15 (+ S46, S47: attachments of the column carried or refused). The NEW version writes `<col>_new`, the OLD version `<col>`, between start, rollback and contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import {
  columnsOf,
  constraintsOf,
  notNull,
  openScenario,
  planYaml,
  triggerFunctions,
  triggersOn,
  typeOf,
  type Scenario,
} from './support.js';

const REVIEWS = (review: string) =>
  `CREATE TABLE reviews (id serial PRIMARY KEY, username text NOT NULL, product text NOT NULL, ${review});`;

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: shadow columns', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  const cleanedUp = async (table: string) => {
    expect(await triggersOn(s!, table)).toEqual([]);
    expect(await triggerFunctions(s!)).toEqual([]);
  };

  it('S32 set not null with default down sql: old NULLs mapped by up, NOT NULL at contract', async () => {
    const plan = planYaml(
      's32',
      `  expand:
    - set_not_null:
        table: reviews
        column: review
        type: text
        up: "CASE WHEN review IS NULL THEN product || ' is good' ELSE review END"
`,
    );
    s = await openScenario('s32', REVIEWS('review text NULL'), plan);
    await s.start();
    // ⚠ pgroll rejects this NEW insert (23514): here it looks like an OLD write, so up fills review_new.
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('alice', 'apple')`);
    await s.exec(`INSERT INTO reviews (username, product, review_new) VALUES ('alice', 'apple', 'amazing')`); // NEW
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('bob', 'banana')`); // OLD
    await s.exec(`INSERT INTO reviews (username, product, review) VALUES ('carl', 'carrot', 'crunchy')`); // OLD
    expect(await s.rows('SELECT id, review, review_new FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: null, review_new: 'apple is good' },
      { id: 2, review: 'amazing', review_new: 'amazing' },
      { id: 3, review: null, review_new: 'banana is good' },
      { id: 4, review: 'crunchy', review_new: 'crunchy' },
    ]);

    await s.rollback();
    expect(await columnsOf(s, 'reviews')).toEqual(['id', 'username', 'product', 'review']);
    expect(await s.rows('SELECT id, review FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: null },
      { id: 2, review: 'amazing' },
      { id: 3, review: null },
      { id: 4, review: 'crunchy' },
    ]);
    await cleanedUp('reviews');

    await s.complete();
    await s.fails(`INSERT INTO reviews (username, product) VALUES ('daisy', 'durian')`, '23502');
    expect(await notNull(s, 'reviews', 'review')).toBe(true);
    expect(await columnsOf(s, 'reviews')).toEqual(['id', 'username', 'product', 'review']);
    expect(await s.rows('SELECT id, review FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: 'apple is good' },
      { id: 2, review: 'amazing' },
      { id: 3, review: 'banana is good' },
      { id: 4, review: 'crunchy' },
    ]);
    expect(Object.values(await constraintsOf(s, 'reviews')).map((c) => c.type)).toEqual(['p']);
    await cleanedUp('reviews');
  });

  it('S37 remove not null with down: new NULLs reach the old NOT NULL column through down', async () => {
    const plan = planYaml(
      's37',
      `  expand:
    - drop_not_null:
        table: reviews
        column: review
        type: text
        down: "CASE WHEN review_new IS NULL THEN product || ' is good' ELSE review_new END"
`,
    );
    s = await openScenario('s37', REVIEWS('review text NOT NULL'), plan);
    await s.start();
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('alice', 'apple')`); // NEW, review_new NULL
    await s.exec(`INSERT INTO reviews (username, product, review_new) VALUES ('bob', 'banana', 'brilliant')`); // NEW
    // ⚠ pgroll rejects this OLD insert (23502): here an INSERT leaving the NOT NULL column NULL gets down(row).
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('carl', 'carrot')`);
    await s.exec(`INSERT INTO reviews (username, product, review) VALUES ('dana', 'durian', 'delicious')`); // OLD
    expect(await s.rows('SELECT id, review, review_new FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: 'apple is good', review_new: null },
      { id: 2, review: 'brilliant', review_new: 'brilliant' },
      { id: 3, review: 'carrot is good', review_new: null },
      { id: 4, review: 'delicious', review_new: 'delicious' },
    ]);

    await s.rollback();
    expect(await columnsOf(s, 'reviews')).toEqual(['id', 'username', 'product', 'review']);
    expect(await notNull(s, 'reviews', 'review')).toBe(true);
    expect(await s.rows('SELECT id, review FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: 'apple is good' },
      { id: 2, review: 'brilliant' },
      { id: 3, review: 'carrot is good' },
      { id: 4, review: 'delicious' },
    ]);
    await cleanedUp('reviews');

    await s.complete();
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('earl', 'eggplant')`);
    expect(await notNull(s, 'reviews', 'review')).toBe(false);
    expect(await s.rows('SELECT id, review FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: 'apple is good' },
      { id: 2, review: 'brilliant' },
      { id: 3, review: 'carrot is good' },
      { id: 4, review: 'delicious' },
      { id: 5, review: null },
    ]);
    await cleanedUp('reviews');
  });

  it('S45 change column type: text rating and integer rating_new kept in step both ways', async () => {
    const plan = planYaml(
      's45',
      `  expand:
    - change_type:
        table: reviews
        column: rating
        type: integer
        up: "CAST(rating AS integer)"
        down: "CAST(rating_new AS text)"
        not_null: true
        default: "0"
`,
    );
    s = await openScenario('s45', REVIEWS(`rating text NOT NULL DEFAULT '0'`), plan);
    await s.start();
    expect(await typeOf(s, 'reviews', 'rating_new')).toBe('integer');
    await s.exec(`INSERT INTO reviews (username, product, rating_new) VALUES ('alice', 'apple', 5)`); // NEW
    await s.exec(`INSERT INTO reviews (username, product, rating) VALUES ('bob', 'banana', '8')`); // OLD
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('cleo', 'cherry')`); // OLD, rating at its default
    await s.exec(`UPDATE reviews SET rating = '9' WHERE id = 2`); // OLD
    await s.exec(`UPDATE reviews SET rating_new = 6 WHERE id = 1`); // NEW
    const during = [
      { id: 1, rating: '6', rating_new: 6 },
      { id: 2, rating: '9', rating_new: 9 },
      { id: 3, rating: '0', rating_new: 0 },
    ];
    expect(await s.rows('SELECT id, rating, rating_new FROM reviews ORDER BY id')).toEqual(during);

    await s.rollback();
    expect(await columnsOf(s, 'reviews')).toEqual(['id', 'username', 'product', 'rating']);
    expect(await typeOf(s, 'reviews', 'rating')).toBe('text');
    expect(await s.rows('SELECT id, rating FROM reviews ORDER BY id')).toEqual(
      during.map(({ id, rating }) => ({ id, rating })),
    );
    await cleanedUp('reviews');

    await s.complete();
    await s.exec(`INSERT INTO reviews (username, product, rating) VALUES ('carl', 'carrot', 3)`); // NEW
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('dora', 'date')`); // the carried default
    expect(await typeOf(s, 'reviews', 'rating')).toBe('integer');
    expect(await notNull(s, 'reviews', 'rating')).toBe(true);
    expect(await s.rows('SELECT id, username, rating FROM reviews ORDER BY id')).toEqual([
      { id: 1, username: 'alice', rating: 6 },
      { id: 2, username: 'bob', rating: 9 },
      { id: 3, username: 'cleo', rating: 0 },
      { id: 4, username: 'carl', rating: 3 },
      { id: 5, username: 'dora', rating: 0 },
    ]);
    await cleanedUp('reviews');
  });

  it('S49 alter a single primary key column to bigint: the primary key follows the copy', async () => {
    const plan = planYaml(
      's49',
      `  expand:
    - change_type:
        table: people
        column: id
        type: bigint
        up: "CAST(id AS bigint)"
        down: "CASE WHEN id_new < 2147483647 THEN CAST(id_new AS int) ELSE 0 END"
        not_null: true
        indexes: [ { name: people_pkey, keys: [id], unique: true, constraint: primary_key } ]
`,
    );
    s = await openScenario('s49', 'CREATE TABLE people (id int PRIMARY KEY, name varchar(255) NULL);', plan);
    const pk = () => constraintsOf(s!, 'people').then((c) => c.people_pkey);
    await s.start();
    expect(await pk()).toMatchObject({ type: 'p', columns: ['id'] });
    await s.exec(`INSERT INTO people (id, name) VALUES (100, 'alice')`); // OLD
    await s.exec(`INSERT INTO people (id_new, name) VALUES (31474836471, 'big')`); // NEW: old id = down = 0
    expect(await s.rows('SELECT id, id_new::text, name FROM people ORDER BY id')).toEqual([
      { id: 0, id_new: '31474836471', name: 'big' },
      { id: 100, id_new: '100', name: 'alice' },
    ]);
    // An inherent limit: a second big id maps to the same old id 0, and the OLD primary key refuses it.
    await s.fails(`INSERT INTO people (id_new, name) VALUES (31474836479, 'bigger')`, '23505');

    await s.rollback();
    expect(await pk()).toMatchObject({ type: 'p', columns: ['id'] });
    expect(await typeOf(s, 'people', 'id')).toBe('integer');
    expect(await columnsOf(s, 'people')).toEqual(['id', 'name']);
    await cleanedUp('people');

    await s.complete();
    expect(await pk()).toMatchObject({ type: 'p', columns: ['id'] });
    expect(await typeOf(s, 'people', 'id')).toBe('bigint');
    await s.exec(`INSERT INTO people (id, name) VALUES (31474836472, 'bob')`);
    expect(await s.rows('SELECT id::text, name FROM people ORDER BY id')).toEqual([
      { id: '0', name: 'big' },
      { id: '100', name: 'alice' },
      { id: '31474836472', name: 'bob' },
    ]);
    await cleanedUp('people');
  });

  it('S46 changing column type preserves the declared foreign key (validated, ON DELETE CASCADE)', async () => {
    const plan = planYaml(
      's46',
      `  expand:
    - change_type:
        table: employees
        column: department_id
        type: bigint
        up: department_id
        down: "department_id_new::integer"
        not_null: true
        foreign_keys:
          - { name: fk_employee_department, columns: [department_id], references: { table: departments, columns: [id] }, on_delete: cascade }
`,
    );
    s = await openScenario(
      's46',
      `CREATE TABLE departments (id serial PRIMARY KEY, name text NOT NULL);
       CREATE TABLE employees (id serial PRIMARY KEY, name text NOT NULL,
         department_id integer NOT NULL CONSTRAINT fk_employee_department REFERENCES departments (id) ON DELETE CASCADE);
       INSERT INTO departments (name) VALUES ('sales'), ('ops');
       INSERT INTO employees (name, department_id) VALUES ('ann', 1);`,
      plan,
    );
    const fks = () =>
      s!.rows(
        `SELECT conname, a.attname AS col, convalidated, confdeltype::text AS del, confupdtype::text AS upd
           FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
          WHERE conrelid = 'employees'::regclass AND contype = 'f' ORDER BY col`,
      );
    await s.start();
    const onCopy = (await fks()).find((f) => f.col === 'department_id_new');
    expect(onCopy).toMatchObject({ convalidated: true, del: 'c', upd: 'a' });
    await s.exec(`INSERT INTO employees (name, department_id_new) VALUES ('bo', 2)`); // NEW
    await s.fails(`INSERT INTO employees (name, department_id_new) VALUES ('cy', 9)`, '23503'); // NEW
    await s.rollback();
    expect(await fks()).toEqual([
      { conname: 'fk_employee_department', col: 'department_id', convalidated: true, del: 'c', upd: 'a' },
    ]);
    await s.complete();
    expect(await typeOf(s, 'employees', 'department_id')).toBe('bigint');
    expect(await fks()).toEqual([
      { conname: 'fk_employee_department', col: 'department_id', convalidated: true, del: 'c', upd: 'a' },
    ]);
    await s.exec(`DELETE FROM departments WHERE id = 2`);
    expect(await s.rows('SELECT name, department_id::int FROM employees ORDER BY id')).toEqual([
      { name: 'ann', department_id: 1 },
    ]);
  });

  it('S47 changing column type: a default left out is refused by validate --database and run, nothing executed', async () => {
    const plan = planYaml(
      's47',
      `  expand:
    - change_type: { table: users, column: username, type: varchar(255), up: username, down: username_new }
`,
    );
    s = await openScenario('s47', `CREATE TABLE users (id int PRIMARY KEY, username text NULL DEFAULT 'alice');`, plan);
    // ⚠ pgroll carries a compatible default (and silently drops an incompatible one); schemashift wants it declared.
    const lint = await s.cmd('validate');
    expect(lint.code).toBe(1);
    expect(lint.stdout).toContain(
      `error[db-carry-lost]: change_type of users.username: would lose DEFAULT 'alice'::text`,
    );
    expect(lint.stdout).toContain(`default: "'alice'::text"`);
    const run = await s.cmd('run');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nothing was executed');
    expect(await columnsOf(s, 'users')).toEqual(['id', 'username']);
  });

  it('S33 set not null with user-supplied down sql, and S34 the column default carried', async () => {
    const plan = planYaml(
      's33',
      `  expand:
    - set_not_null:
        table: reviews
        column: review
        type: text
        up: "CASE WHEN review IS NULL THEN 'anonymous' ELSE review END"
        down: "review_new || ' (from new column)'"
        default: "'anonymous'"
`,
    );
    s = await openScenario('s33', REVIEWS(`review text NULL DEFAULT 'anonymous'`), plan);
    await s.start();
    await s.exec(`INSERT INTO reviews (username, product, review_new) VALUES ('alice', 'apple', 'amazing')`); // NEW
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('bob', 'banana')`); // OLD: the old default
    expect(await s.rows('SELECT id, review, review_new FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: 'amazing (from new column)', review_new: 'amazing' },
      { id: 2, review: 'anonymous', review_new: 'anonymous' },
    ]);
    await s.rollback();
    await s.complete();
    await s.exec(`INSERT INTO reviews (username, product) VALUES ('carl', 'carrot')`); // the carried default
    expect(await s.rows('SELECT id, review FROM reviews ORDER BY id')).toEqual([
      { id: 1, review: 'amazing (from new column)' }, // the re-run's backfill takes up(old value)
      { id: 2, review: 'anonymous' },
      { id: 3, review: 'anonymous' },
    ]);
    expect(await notNull(s, 'reviews', 'review')).toBe(true);
    await cleanedUp('reviews');
  });

  it('S48 changing column type preserves the declared unique constraint', async () => {
    const plan = planYaml(
      's48',
      `  expand:
    - change_type:
        table: users
        column: username
        type: varchar(255)
        up: username
        down: username_new
        not_null: true
        indexes: [ { name: unique_username, keys: [username], unique: true, constraint: unique } ]
`,
    );
    s = await openScenario(
      's48',
      'CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL CONSTRAINT unique_username UNIQUE);',
      plan,
    );
    await s.start();
    await s.exec(`INSERT INTO users (username_new) VALUES ('alice')`); // NEW
    await s.fails(`INSERT INTO users (username_new) VALUES ('alice')`, '23505'); // NEW
    await s.rollback();
    await s.complete();
    expect(await typeOf(s, 'users', 'username')).toBe('character varying(255)');
    expect((await constraintsOf(s, 'users')).unique_username).toMatchObject({ type: 'u', columns: ['username'] });
    await s.fails(`INSERT INTO users (username) VALUES ('alice')`, '23505');
    await s.exec(`INSERT INTO users (username) VALUES ('bob')`);
    expect(await s.value('SELECT count(*)::int FROM users')).toBe(2);
  });

  it('S50 set not null, change type, change comment and add a check in one shadow (change_type with carries)', async () => {
    const plan = planYaml(
      's50',
      `  expand:
    - change_type:
        table: events
        column: name
        type: text
        up: "CASE WHEN name IS NULL OR length(name) <= 3 THEN 'placeholder' ELSE name END"
        down: name_new
        not_null: true
        comment: the name of the event
        checks: [ { name: name_length, expression: "length(name) > 3" } ]
`,
    );
    s = await openScenario('s50', 'CREATE TABLE events (id serial PRIMARY KEY, name varchar(255) NULL);', plan);
    const described = (column: string) =>
      s!.rows(
        `SELECT format_type(atttypid, atttypmod) AS type, col_description(attrelid, attnum) AS comment
           FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = $1`,
        [column],
      );
    await s.start();
    expect(await described('name_new')).toEqual([{ type: 'text', comment: 'the name of the event' }]);
    // ⚠ pgroll rejects this NEW insert (23514); here it looks like an OLD write and up gives 'placeholder'.
    await s.exec('INSERT INTO events (id) VALUES (1)');
    await s.exec(`INSERT INTO events (id, name_new) VALUES (2, 'apples')`); // NEW
    await s.exec('INSERT INTO events (id) VALUES (3)'); // OLD
    await s.exec(`INSERT INTO events (id, name) VALUES (4, 'bananas')`); // OLD
    await s.fails(`INSERT INTO events (id, name_new) VALUES (5, 'x')`, '23514'); // NEW
    await s.exec(`INSERT INTO events (id, name) VALUES (5, 'x')`); // OLD
    expect(await s.rows('SELECT id, name, name_new FROM events ORDER BY id')).toEqual([
      { id: 1, name: null, name_new: 'placeholder' },
      { id: 2, name: 'apples', name_new: 'apples' },
      { id: 3, name: null, name_new: 'placeholder' },
      { id: 4, name: 'bananas', name_new: 'bananas' },
      { id: 5, name: 'x', name_new: 'placeholder' },
    ]);
    await s.rollback();
    expect(await columnsOf(s, 'events')).toEqual(['id', 'name']);
    await s.complete();
    await s.fails('INSERT INTO events (id) VALUES (6)', '23502');
    await s.fails(`INSERT INTO events (id, name) VALUES (6, 'x')`, '23514');
    expect(await s.rows('SELECT id, name FROM events ORDER BY id')).toEqual([
      { id: 1, name: 'placeholder' },
      { id: 2, name: 'apples' },
      { id: 3, name: 'placeholder' },
      { id: 4, name: 'bananas' },
      { id: 5, name: 'placeholder' },
    ]);
    expect(await described('name')).toEqual([{ type: 'text', comment: 'the name of the event' }]);
    expect((await constraintsOf(s, 'events')).name_length).toEqual({ type: 'c', validated: true, columns: ['name'] });
    await cleanedUp('events');
  });

  it('S51 change type without up or down: up defaults to a cast, the sync is one way (the old column is not written back)', async () => {
    const plan = planYaml(
      's51',
      `  expand:\n    - change_type: { table: reviews, column: rating, type: integer, not_null: true, default: "0" }\n`,
    );
    s = await openScenario('s51', REVIEWS(`rating text NOT NULL DEFAULT '0'`), plan);
    await s.start();
    await s.exec(`INSERT INTO reviews (username, product, rating) VALUES ('bob', 'banana', '8')`); // OLD
    await s.exec(`INSERT INTO reviews (username, product, rating) VALUES ('cleo', 'cherry', '9')`); // OLD
    expect(await s.rows('SELECT id, rating_new FROM reviews ORDER BY id')).toEqual([
      { id: 1, rating_new: 8 },
      { id: 2, rating_new: 9 },
    ]);
    await s.exec(`UPDATE reviews SET rating_new = 6 WHERE id = 1`); // NEW: no down, rating stays '8'
    expect(await s.rows('SELECT id, rating, rating_new FROM reviews ORDER BY id')).toEqual([
      { id: 1, rating: '8', rating_new: 6 },
      { id: 2, rating: '9', rating_new: 9 },
    ]);
    await s.complete();
    expect(await s.rows('SELECT id, rating FROM reviews ORDER BY id')).toEqual([
      { id: 1, rating: 6 },
      { id: 2, rating: 9 },
    ]);
    expect(await typeOf(s, 'reviews', 'rating')).toBe('integer');
  });
});
