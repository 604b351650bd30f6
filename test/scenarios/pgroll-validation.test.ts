/**
 * pgroll's validation scenarios (S6, S11, S13, S15, S22, S25, S31, S36, S54, S60, S70, S72): each plan mistake
 * is refused by the CLI before anything runs: a load error (exit 2) or a validate --database error
 * (exit 1) naming the plan line. One PostgreSQL 15 database for the file; every plan is only validated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { openScenario, type Scenario } from './support.js';

const SETUP = `CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE, nick text NULL, alias text NULL);
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE other_table (id int);
CREATE TABLE posts (id serial PRIMARY KEY, title text NOT NULL, CONSTRAINT check_title_length CHECK (length(title) > 3));`;

const LONG = 'a'.repeat(64);

/** [scenario, phase, operation (YAML flow), exit code, what the output says] */
const CASES: [string, string, string, number, string][] = [
  [
    'S11 foreign key to a column that does not exist',
    'expand',
    '- create_table: { name: orders, columns: [ { name: id, type: serial, pk: true }, { name: user_id, type: int, references: { table: users, column: doesntexist } } ] }',
    1,
    'error[db-missing-column]: column doesntexist does not exist on users at this step',
  ],
  [
    'S11 column definition missing a type',
    'expand',
    '- create_table: { name: orders, columns: [ { name: id } ] }',
    2,
    'error[invalid-plan]: create_table: missing `type`',
  ],
  [
    'S11 table name of 64 bytes',
    'expand',
    `- create_table: { name: ${LONG}, columns: [ { name: id, type: int } ] }`,
    2,
    'is 64 bytes long; PostgreSQL names are at most 63 bytes',
  ],
  [
    'S11 unique constraint without its column list',
    'expand',
    '- create_table: { name: orders, columns: [ { name: id, type: int } ], constraints: [ { name: u, type: unique } ] }',
    2,
    'error[invalid-plan]: create_table: missing `columns`',
  ],
  [
    'S11 create table with a name a previous operation took (rename_table)',
    'expand',
    '- rename_table: { from: items, to: products }\n    - create_table: { name: products, columns: [ { name: id, type: int } ] }',
    1,
    'error[db-already-exists]: table products already exists',
  ],
  [
    'S6 multiple primary key definitions (pk: true and a primary_key constraint)',
    'expand',
    '- create_table: { name: t, columns: [ { name: id, type: int, pk: true } ], constraints: [ { name: pk_t, type: primary_key, columns: [id] } ] }',
    2,
    't gets two primary keys: columns id say pk: true, and constraint pk_t',
  ],
  [
    'S13 drop table, drop table',
    'contract',
    '- drop_table: { name: items }\n    - drop_table: { name: items }',
    1,
    'error[db-missing-drop-target]: table items does not exist at this step',
  ],
  [
    'S15 rename table to a name that exists',
    'expand',
    '- rename_table: { from: items, to: other_table }',
    1,
    'error[db-name-taken]: public.other_table already exists (a table)',
  ],
  [
    'S22 add column with a volatile default',
    'expand',
    '- add_column: { table: users, column: { name: age, type: integer, default: "random()" } }',
    2,
    'default `random()` calls random(), which is volatile',
  ],
  [
    'S25 add serial column (a table rewrite)',
    'expand',
    '- add_column: { table: users, column: { name: n, type: serial } }',
    2,
    '`serial` is not a type PostgreSQL can add to an existing table without rewriting it',
  ],
  [
    'S31 rename column: the table must exist',
    'expand',
    '- rename_column: { table: nope, from: name, to: n, type: text }',
    1,
    'error[db-missing-table]: table nope does not exist',
  ],
  [
    'S31 rename column: the source column must exist',
    'expand',
    '- rename_column: { table: users, from: nope, to: n, type: text }',
    1,
    'error[db-missing-column]: column nope does not exist on users',
  ],
  [
    'S31 rename column: the target column must not exist',
    'expand',
    '- rename_column: { table: users, from: nick, to: alias, type: text }',
    1,
    'error[db-already-exists]: column users.alias already exists and this plan does not create it',
  ],
  [
    'S36 set not null: down without up',
    'expand',
    '- set_not_null: { table: users, column: nick, down: nick_new }',
    2,
    '`down` belongs to set_not_null with `up`',
  ],
  [
    'S36 set not null on a column that is NOT NULL already',
    'expand',
    '- set_not_null: { table: users, column: name, type: varchar(255), up: name, indexes: [ { name: users_name_key, keys: [name], unique: true, constraint: unique } ] }',
    1,
    'error[db-already-exists]: NOT NULL on users.name already exists and this plan does not create it',
  ],
  [
    'S54 check constraint name already taken',
    'expand',
    '- add_check: { table: posts, name: check_title_length, expression: "length(title) > 5" }',
    1,
    'error[db-already-exists]: check constraint check_title_length on posts already exists',
  ],
  [
    'S54 up without type',
    'expand',
    '- add_check: { table: posts, name: c2, expression: "length(title) > 5", column: title, up: title }',
    2,
    'missing `type`: the type of title, which the copy is created with',
  ],
  [
    'S60 invalid replica identity',
    'expand',
    '- set_replica_identity: { table: users, identity: invalid_identity }',
    2,
    'expected one of default, full, nothing, index',
  ],
  [
    'S60 replica identity index that does not exist',
    'expand',
    '- set_replica_identity: { table: users, identity: index, index: invalid_index }',
    1,
    'error[db-missing-unique-key]: there is no index invalid_index in public at this step',
  ],
  [
    'S70 drop a constraint that does not exist',
    'contract',
    '- drop_constraint: { table: users, name: nope }',
    1,
    'error[db-missing-drop-target]: constraint nope does not exist on users at this step',
  ],
  [
    'S72 rename constraint: the table must exist',
    'contract',
    '- rename_constraint: { table: nope, from: a, to: b }',
    1,
    'error[db-missing-table]: table nope does not exist',
  ],
  [
    'S72 rename constraint: the from constraint must exist',
    'contract',
    '- rename_constraint: { table: posts, from: nope, to: b }',
    1,
    'error[db-missing-constraint]: constraint nope does not exist on posts',
  ],
  [
    'S72 rename constraint: the to constraint must not exist',
    'contract',
    '- rename_constraint: { table: posts, from: check_title_length, to: posts_pkey }',
    1,
    'error[db-name-taken]: constraint posts_pkey already exists on posts',
  ],
];

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: validation', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await openScenario('validation', SETUP, 'name: empty\nphases: {}\n');
  });
  afterAll(async () => s?.close());

  it.each(CASES)('%s', async (_title, phase, op, code, says) => {
    s.setPlan(`name: invalid\nphases:\n  ${phase}:\n    ${op}\n`);
    const r = await s.cmd('validate');
    expect(r.stdout + r.stderr).toContain(says);
    expect(r.stdout + r.stderr).toMatch(/plan\.yaml:\d+:\d+: error/);
    expect(r.code).toBe(code);
  });
});
