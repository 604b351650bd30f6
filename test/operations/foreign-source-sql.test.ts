/**
 * create_materialized_view `source:` without a database: the steps and their SQL (placeholders for
 * every connection value), what the plan refuses when it is loaded, how the view query names the
 * foreign tables, the values the runner renders, and the URL variable's checks.
 */
import { describe, expect, it } from 'vitest';
import { registeredSecrets } from '../../src/db/secrets.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { DatabaseError } from '../../src/errors.js';
import { connectionFromEnv } from '../../src/operations/foreign-source-url.js';
import { renderAction } from '../../src/operations/action-step.js';
import type { SqlStep } from '../../src/operations/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { forward, inverse } from '../support/operations.js';
import type { ResolvedConnection } from '../../src/dialects/actions-foreign.js';

/** The step's runtime action with the environment's values, as the runner renders it. */
function withValues(step: SqlStep, resolved: ResolvedConnection) {
  const action = step.runtime!;
  if (action.kind === 'drop-user-mapping') throw new Error(`${step.id} takes no connection values`);
  return { ...action, resolved };
}

const FDW = {
  name: 'second_users',
  source: { server: 'stats_db', via: 'postgres_fdw', url_env: 'STATS_DATABASE_URL', tables: ['users'] },
  query: 'SELECT id AS user_id, name FROM users',
};
const DBLINK = {
  name: 'second_users',
  source: { server: 'stats_link', via: 'dblink', url_env: 'STATS_URL', columns: { user_id: 'uuid', name: 'text' } },
  query: 'SELECT users.id, users.name FROM users',
};

const sqlOf = (steps: unknown[]) => (steps as SqlStep[]).map((s) => `${s.id}: ${s.sql}`);

describe('the steps', () => {
  it('postgres_fdw: extension, server, mapping, schema, import, view; undone in reverse, never CASCADE', () => {
    expect(sqlOf(forward('create_materialized_view', FDW, 'expand', 'v'))).toEqual([
      'v/extension: CREATE EXTENSION IF NOT EXISTS postgres_fdw',
      "v/server: CREATE SERVER stats_db FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '<from $STATS_DATABASE_URL>', " +
        "port '<from $STATS_DATABASE_URL>', dbname '<from $STATS_DATABASE_URL>')",
      'v/user-mapping: CREATE USER MAPPING FOR CURRENT_USER SERVER stats_db OPTIONS ' +
        "(user '<from $STATS_DATABASE_URL>', password '<from $STATS_DATABASE_URL>')",
      'v/schema: CREATE SCHEMA stats_db_remote',
      'v/import: IMPORT FOREIGN SCHEMA public LIMIT TO (users) FROM SERVER stats_db INTO stats_db_remote',
      'v: CREATE MATERIALIZED VIEW second_users AS\nSELECT id AS user_id, name FROM stats_db_remote.users\nWITH DATA',
    ]);
    const undo = inverse('create_materialized_view', FDW, 'expand', 'v') as { steps: SqlStep[] };
    expect(undo.steps.map((s) => [s.id, s.undoes, s.sql])).toEqual([
      ['v/undo', 'v', expect.stringMatching(/DROP MATERIALIZED VIEW IF EXISTS second_users;\nEND\n\$schemashift\$$/)],
      ['v/import/undo', 'v/import', 'DROP FOREIGN TABLE IF EXISTS stats_db_remote.users RESTRICT'],
      ['v/schema/undo', 'v/schema', 'DROP SCHEMA IF EXISTS stats_db_remote RESTRICT'],
      [
        'v/user-mapping/undo',
        'v/user-mapping',
        'DROP USER MAPPING IF EXISTS FOR "<the role that created the mapping>" SERVER stats_db',
      ],
      ['v/server/undo', 'v/server', 'DROP SERVER IF EXISTS stats_db RESTRICT'],
      ['v/extension/undo', 'v/extension', 'DROP EXTENSION IF EXISTS postgres_fdw RESTRICT'],
    ]);
  });

  it('dblink: the view calls dblink with the server name and the dollar-quoted remote query', () => {
    const spec = { ...DBLINK, query: "SELECT id, name FROM users WHERE name <> '$schemashift$'" };
    const steps = forward('create_materialized_view', spec, 'expand', 'v') as SqlStep[];
    expect(steps.map((s) => s.id)).toEqual(['v/extension', 'v/server', 'v/user-mapping', 'v']);
    expect(steps[1]!.sql).toContain('FOREIGN DATA WRAPPER dblink_fdw');
    expect(steps[3]!.sql).toBe(
      "CREATE MATERIALIZED VIEW second_users AS\nSELECT * FROM dblink('stats_link', $schemashift_$SELECT id, name " +
        "FROM users WHERE name <> '$schemashift$'$schemashift_$)\n  AS remote(user_id uuid, name text)\nWITH DATA",
    );
    expect(steps[3]!.lock.on).toEqual([]);
  });

  it('only the server and the mapping are rendered again at run time, with the values', () => {
    const steps = forward('create_materialized_view', FDW, 'expand', 'v') as SqlStep[];
    expect(steps.filter((s) => s.runtime).map((s) => s.id)).toEqual(['v/server', 'v/user-mapping']);
    const resolved = { host: 'db.internal', port: '5433', dbname: 'stats', user: "o'brien", password: "p'w" };
    expect(renderAction({ dialect: postgres }, withValues(steps[1]!, resolved)).sql).toBe(
      "CREATE SERVER stats_db FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'db.internal', port '5433', dbname 'stats')",
    );
    // The mapping's credentials go as bind parameters; the statement's text holds neither.
    const mapping = renderAction({ dialect: postgres }, withValues(steps[2]!, resolved));
    expect(mapping.bind).toEqual({
      sql:
        "SELECT set_config('schemashift.mapping_user', $1, true), " +
        "set_config('schemashift.mapping_password', $2, true)",
      params: ["o'brien", "p'w"],
      // Sent first: keeps the bound values out of the server log where the role may set that.
      before: expect.stringContaining('log_parameter_max_length'),
    });
    expect(mapping.sql).toMatch(/^DO \$schemashift\$/);
    expect(mapping.sql).toContain(
      "EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L, password %L)', 'stats_db', " +
        "current_setting('schemashift.mapping_user'), current_setting('schemashift.mapping_password'))",
    );
    expect(mapping.sql).not.toContain('brien');
    expect(mapping.sql).not.toContain("p'w");
    expect(mapping.sql).not.toContain("p''w");
  });

  it('a mapping without a password names no password option', () => {
    const steps = forward('create_materialized_view', FDW, 'expand', 'v') as SqlStep[];
    const resolved = { host: 'h', port: '5432', dbname: 'stats', user: 'reader' };
    const mapping = renderAction({ dialect: postgres }, withValues(steps[2]!, resolved));
    expect(mapping.sql).toContain("OPTIONS (user %L)', 'stats_db', current_setting('schemashift.mapping_user'))");
    expect(mapping.bind?.params).toEqual(['reader', '']);
  });
});

describe('the view query of postgres_fdw: bare names of the imported tables mean the foreign tables', () => {
  const viewSql = (query: string, tables = ['users', 'Events']) =>
    (
      forward('create_materialized_view', { ...FDW, query, source: { ...FDW.source, tables } }, 'expand', 'v').at(
        -1,
      ) as SqlStep
    ).sql.split('\n')[1];

  it.each([
    ['SELECT * FROM ONLY users u', 'SELECT * FROM ONLY stats_db_remote.users u'],
    ['SELECT é FROM users, "Events" e', 'SELECT é FROM stats_db_remote.users, stats_db_remote."Events" e'],
    [
      'SELECT * FROM public.users JOIN users r USING (id)',
      'SELECT * FROM public.users JOIN stats_db_remote.users r USING (id)',
    ],
    [
      'SELECT * FROM accounts a WHERE a.id IN (SELECT id FROM users)',
      'SELECT * FROM accounts a WHERE a.id IN (SELECT id FROM stats_db_remote.users)',
    ],
  ])('%s', (query, expected) => expect(viewSql(query)).toBe(expected));

  it('a WITH query named like a foreign table is refused (which one a bare name meant would be a guess)', () => {
    expect(() => viewSql('WITH users AS (SELECT 1 AS id) SELECT id FROM users')).toThrow(
      /names a WITH query users, like a foreign table/,
    );
  });
});

describe('what a plan may say', () => {
  const plan = (source: string) =>
    parsePlan(
      'p.yaml',
      `name: p\nphases:\n  expand:\n    - create_materialized_view:\n        name: v\n        query: SELECT 1 AS one\n` +
        `        source: ${source}\n`,
    );

  it.each([
    ['{ server: s, url_env: "postgres://u:pw@h/db", tables: [t] }', 'url_env is the NAME of an environment variable'],
    ['{ server: s, url_env: URL }', 'via postgres_fdw needs `tables`'],
    ['{ server: s, via: dblink, url_env: URL }', 'via dblink needs `columns`'],
    ['{ server: s, via: dblink, url_env: URL, tables: [t], columns: { a: int } }', '`tables` and `schema` are for via'],
    ['{ server: s, url_env: URL, tables: [t], columns: { a: int } }', '`columns` is for via: dblink'],
    ['{ server: "s; DROP", url_env: URL, tables: [t] }', 'is not a valid identifier'],
    ['{ server: s, via: dblink, url_env: URL, columns: { a: "int) AS x; --" } }', 'is not a SQL type'],
  ])('%s', async (source, message) => {
    await expect(plan(source)).rejects.toThrow(message);
  });

  it('a SQL Server plan with `source:` is refused when compiled, with the way instead', async () => {
    const text =
      'name: p\ndialect: mssql\nphases:\n  expand:\n    - create_materialized_view:\n        name: v\n' +
      '        query: SELECT 1 AS one\n        source: { server: s, url_env: URL, tables: [t] }\n';
    const parsed = await parsePlan('p.yaml', text);
    expect(() => compilePlan(parsed)).toThrow(/needs a linked server, which schemashift does not support yet/);
  });
});

describe('the URL variable', () => {
  it.each([
    [{}, '$U is not set'],
    [{ U: 'not a url pw=Hidden-1' }, '$U is not a URL'],
    [{ U: 'mysql://u:Hidden-1@h/db' }, 'is not a postgres:// or postgresql:// URL'],
    [{ U: 'postgres://u:Hidden-1@h/db?sslmode=require' }, 'has query parameters'],
    [{ U: 'postgres://u:Hidden-1@h/' }, 'lacks a host, a database name or a user name'],
  ])('%j → %s, never echoing the value', (env, message) => {
    let error: Error | undefined;
    try {
      connectionFromEnv('U', env);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(message);
    expect(`${error?.message} ${(error as { hint?: string }).hint}`).not.toContain('Hidden-1');
    expect((error as { exitCode?: number }).exitCode).toBe(2);
  });

  it('reads every part, decoded, and registers the password as a secret', () => {
    const url = `postgresql://stats%20reader:${encodeURIComponent('p@ss:w/rd')}@[::1]/stats%2Fdb`;
    expect(connectionFromEnv('U', { U: url })).toEqual({
      host: '::1',
      port: '5432',
      dbname: 'stats/db',
      user: 'stats reader',
      password: 'p@ss:w/rd',
    });
    expect(registeredSecrets()).toContain('p@ss:w/rd');
  });
});

describe("the other database's failure is the step's, not a lost connection of the runner's", () => {
  it.each([
    [{ code: '08001', severity: 'ERROR' }, 'other', 1],
    [{ code: '08001', severity: 'FATAL' }, 'connectionLost', 4],
    [{ code: '08006' }, 'connectionLost', 4],
  ])('%j → %s, exit %i', (error: { code: string; severity?: string }, kind, exit) => {
    expect(postgres.errors.classify(Object.assign(new Error('could not connect to server "stats_db"'), error))).toBe(
      kind,
    );
    expect(new DatabaseError('x', undefined, error.code, error.severity).exitCode).toBe(exit);
  });
});
