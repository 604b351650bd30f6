/**
 * db-in-flight-conflict on a real PostgreSQL: a plan validated against a database where another plan
 * is in flight (started with `advance`, not finished) is reported when both touch the same column,
 * naming both plans, the column and the steps; clean when they touch different columns or one waits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';

const ADD_EMAIL = `name: add-email
phases:
  expand:
    - add_column: { table: users, column: { name: email, type: text } }
  migrate:
    - backfill: { table: users, set: { email: "login || '@example.com'" } }
  contract:
    - drop_column: { table: users, column: login }
`;

const plan = (name: string, step: string, after = '') => `name: ${name}
${after}phases:
  expand:
    - ${step}
`;

type JsonFinding = { rule: string; line: number; message: string; help: string };

describe('validate --database: plans in flight that touch the same column', () => {
  let db: TestDatabase;
  let dir: string;

  const validate = async (file: string, yaml: string) => {
    await import('node:fs/promises').then((fs) => fs.writeFile(`${dir}/${file}`, yaml));
    const r = await cli(['validate', file, '--database', db.url!, '--format', 'json'], { cwd: dir });
    const doc = JSON.parse(r.stdout) as { plans: { findings: JsonFinding[] }[] };
    return {
      code: r.code,
      findings: doc.plans.flatMap((p) => p.findings).filter((f) => f.rule === 'db-in-flight-conflict'),
    };
  };

  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_in_flight');
    await db.exec('CREATE TABLE users (id bigint PRIMARY KEY, login text, name text)');
    dir = folderWith({ 'add-email.yaml': ADD_EMAIL });
    const started = await cli(['advance', 'add-email.yaml', '--database', db.url!], { cwd: dir });
    expect(started.code, started.stderr).toBe(0);
  });
  afterEach(async () => db.close());

  it('both write users.email: reported with both plan names, the column and both steps', async () => {
    const r = await validate(
      'email-default.yaml',
      plan('email-default', 'set_default: { table: users, column: email, default: "\'\'" }'),
    );
    expect(r.findings).toEqual([
      {
        rule: 'db-in-flight-conflict',
        severity: 'error',
        line: 4,
        file: 'email-default.yaml',
        column: 7,
        step: 'set_default:users.email',
        message:
          "plan email-default and plan add-email (in flight on this database) both touch users.email: email-default's " +
          "set_default:users.email (expand) writes it; add-email's add_column:users.email (expand) writes it, " +
          'backfill:users.email (migrate) writes it',
        help:
          'run them one after the other: add `after: [{ plan: add-email, phase: migrate }]` to email-default (or ' +
          '`after: [add-email]` to wait for all of it), or fold both changes into one plan',
      },
    ]);
    expect(r.code).toBe(1);
  });

  it('an index on the column add-email contracts (drops at contract): reported; on another column: clean', async () => {
    const reads = await validate(
      'login-idx.yaml',
      plan('login-idx', 'create_index: { name: users_login_idx, table: users, columns: [login] }'),
    );
    expect(reads.findings.map((f) => f.message)).toEqual([
      "plan login-idx and plan add-email (in flight on this database) both touch users.login: login-idx's " +
        "create_index:users_login_idx (expand) reads it; add-email's drop_column:users.login (contract) contracts " +
        '(drops, renames or retypes) it',
    ]);
    const clean = await validate(
      'name-idx.yaml',
      plan('name-idx', 'create_index: { name: users_name_idx, table: users, columns: [name] }'),
    );
    expect(clean.findings).toEqual([]);
    expect(clean.code).toBe(0);
  });

  it('clean when the plan waits for add-email past the phase that touches the column', async () => {
    const waits = await validate(
      'login-idx.yaml',
      plan(
        'login-idx',
        'create_index: { name: users_login_idx, table: users, columns: [login] }',
        'after: [add-email]\n',
      ),
    );
    expect(waits.findings).toEqual([]);
    const tooEarly = await validate(
      'login-idx2.yaml',
      plan(
        'login-idx2',
        'create_index: { name: users_login_idx2, table: users, columns: [login] }',
        'after: [{ plan: add-email, phase: migrate }]\n',
      ),
    );
    expect(tooEarly.findings).toHaveLength(1);
  });

  const advance = async (file: string, yaml: string) => {
    await import('node:fs/promises').then((fs) => fs.writeFile(`${dir}/${file}`, yaml));
    const r = await cli(['advance', file, '--database', db.url!], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  };

  it('sync_from reads its source column until contract (and writes it with both_ways)', async () => {
    await advance(
      'copy-name.yaml',
      plan('copy-name', 'add_column: { table: users, column: { name: full_name, type: text }, sync_from: name }'),
    );
    const drop = await validate('drop-name.yaml', plan('drop-name', 'drop_column: { table: users, column: name }'));
    expect(drop.findings.map((f) => f.message)).toEqual([
      "plan drop-name and plan copy-name (in flight on this database) both touch users.name: drop-name's " +
        "drop_column:users.name (contract) contracts (drops, renames or retypes) it; copy-name's " +
        'add_column:users.full_name (contract) reads it',
    ]);
    expect(drop.findings[0]!.help).toContain('`after: [{ plan: copy-name, phase: contract }]`');
    const index = await validate(
      'name-idx.yaml',
      plan('name-idx', 'create_index: { name: users_name_idx, table: users, columns: [name] }'),
    );
    expect(index.findings).toEqual([]);
    const back = await validate(
      'nick.yaml',
      plan(
        'nick',
        'add_column: { table: users, column: { name: nick, type: text }, sync_from: { column: name, both_ways: true } }',
      ),
    );
    expect(back.findings.map((f) => f.message)).toEqual([
      "plan nick and plan copy-name (in flight on this database) both touch users.name: nick's " +
        "add_column:users.nick (contract) writes it; copy-name's add_column:users.full_name (contract) reads it",
    ]);
  });

  it('set_not_null with up swaps the column at contract and writes its temp column until then', async () => {
    await advance(
      'name-required.yaml',
      plan('name-required', 'set_not_null: { table: users, column: name, type: text, up: "coalesce(name, \'\')" }'),
    );
    const index = await validate(
      'name-idx.yaml',
      plan('name-idx', 'create_index: { name: users_name_idx, table: users, columns: [name] }'),
    );
    expect(index.findings.map((f) => f.message)).toEqual([
      "plan name-idx and plan name-required (in flight on this database) both touch users.name: name-idx's " +
        "create_index:users_name_idx (expand) reads it; name-required's set_not_null:users.name (contract) " +
        'contracts (drops, renames or retypes) it',
    ]);
    const temp = await validate(
      'name-new.yaml',
      plan('name-new', 'add_column: { table: users, column: { name: name_new, type: text } }'),
    );
    expect(temp.findings.map((f) => f.message)).toEqual([
      "plan name-new and plan name-required (in flight on this database) both touch users.name_new: name-new's " +
        "add_column:users.name_new (expand) writes it; name-required's set_not_null:users.name (contract) writes it",
    ]);
  });
});
