/**
 * With --json (or validate --format json), every failure ends stdout with one error object
 * {"error": {code, message, file?, line?, col?, help?, exit_code}}; the human text stays on stderr.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLockKey } from '../../src/runner/runner-lock.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';
import { cli, emptyDir, errorObjectOf, folderWith, jsonLines, UNREACHABLE } from './cli-support.js';

const PLAN = (type: string) => `name: json-errors
settings: { lock_timeout: 2s }
phases:
  expand:
    - add_column: { table: items, column: { name: note, type: ${type} } }
  migrate:
    - check: { sql: "SELECT count(*) FROM items", expect: 0 }
`;

const INVALID = `name: broken
phases:
  expand:
    - add_column: { table: items, column: { name: x } }
`;

describe('--json failures without a database', () => {
  const dir = folderWith({
    'plan.yaml': PLAN('text'),
    'broken.yaml': INVALID,
    'seed.sql': 'CREATE TABLE items (id int);',
  });

  it('an invalid plan: code invalid-plan with its position, exit 2, for plan, run, status and test', async () => {
    for (const args of [
      ['plan', 'broken.yaml', '--json'],
      ['run', 'broken.yaml', '--json'],
      ['status', 'broken.yaml', '--json'],
      ['test', 'broken.yaml', '--seed', 'seed.sql', '--json'],
    ]) {
      const r = await cli(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      const error = errorObjectOf(r.stdout);
      expect(error).toMatchObject({ code: 'invalid-plan', file: 'broken.yaml', line: 4, exit_code: 2 });
      expect(typeof error.col).toBe('number');
      expect(String(error.message)).toContain('type');
      expect(r.stderr).toContain('broken.yaml:4:');
    }
  });

  it('a usage error and a bad URL: codes usage and bad-database-url, exit 2', async () => {
    const usage = await cli(['status', '--json', '--no-such-option'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(errorObjectOf(usage.stdout)).toMatchObject({ code: 'usage', exit_code: 2 });
    const badUrl = await cli(['status', '--json', '--database', 'mysql://u@h/db'], { cwd: dir });
    expect(badUrl.code).toBe(2);
    expect(errorObjectOf(badUrl.stdout)).toMatchObject({ code: 'bad-database-url', exit_code: 2 });
    expect(errorObjectOf(badUrl.stdout).help).toContain('postgres://');
  });

  it('a database that cannot be reached: code database-unreachable, exit 4, one JSON document', async () => {
    for (const args of [
      ['status', '--json'],
      ['run', 'plan.yaml', '--json'],
      ['advance', 'plan.yaml', '--json'],
      ['rollback', 'plan.yaml', '--json'],
      ['doctor', '--json'],
      ['flags', 'list', '--json'],
      ['validate', 'plan.yaml', '--format', 'json'],
      ['test', 'plan.yaml', '--seed', 'seed.sql', '--json'],
    ]) {
      const r = await cli([...args, '--database', UNREACHABLE], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(4);
      expect(jsonLines(r.stdout), args.join(' ')).toHaveLength(1);
      expect(errorObjectOf(r.stdout)).toMatchObject({ code: 'database-unreachable', exit_code: 4 });
      expect(String(errorObjectOf(r.stdout).message)).toContain('127.0.0.1:1');
    }
  });

  it('no embedded database to read: code no-database, exit 4, nothing created', async () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, 'plan.yaml'), PLAN('text'));
    const r = await cli(['status', '--json'], { cwd });
    expect(r.code).toBe(4);
    expect(errorObjectOf(r.stdout)).toMatchObject({ code: 'no-database', exit_code: 4 });
    expect(existsSync(join(cwd, '.schemashift'))).toBe(false);
  });
});

describe('--json failures on PostgreSQL', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_json_errors');
    await db.exec('CREATE TABLE items (id bigint PRIMARY KEY); INSERT INTO items VALUES (1)');
    dir = folderWith({ 'plan.yaml': PLAN('text') });
  });
  afterAll(async () => db.close());

  it('a failed step ends the JSON lines with code step-failed (exit 1), then drift is code drift (exit 2)', async () => {
    const failed = await cli(['run', 'plan.yaml', '--json', '--yes', '--database', db.url!], { cwd: dir });
    expect(failed.code).toBe(1);
    const lines = jsonLines(failed.stdout);
    expect(lines.at(-2)).toMatchObject({ type: 'outcome', kind: 'failed' });
    expect(errorObjectOf(failed.stdout)).toMatchObject({ code: 'step-failed', exit_code: 1 });

    writeFileSync(join(dir, 'plan.yaml'), PLAN('varchar(20)'));
    const drift = await cli(['run', 'plan.yaml', '--json', '--database', db.url!], { cwd: dir });
    expect(drift.code).toBe(2);
    const error = errorObjectOf(drift.stdout);
    expect(error).toMatchObject({ code: 'drift', exit_code: 2 });
    expect(String(error.message)).toContain('column.type: "text" → "varchar(20)"');
    expect(String(error.help)).toContain('--accept-drift');
  });

  it('a plan held by another runner: code locked, exit 3', async () => {
    const holder = new pg.Client({ connectionString: db.url!, application_name: 'someone else' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, $2)', [0x5c4e3a02, planLockKey('json-errors')]);
      const r = await cli(['run', 'plan.yaml', '--json', '--accept-drift', '--database', db.url!], { cwd: dir });
      expect(r.code).toBe(3);
      expect(errorObjectOf(r.stdout)).toMatchObject({ code: 'locked', exit_code: 3 });
    } finally {
      await holder.end();
    }
  });

  it('a database that does not exist: code database-not-found, exit 4', async () => {
    const url = new URL(db.url!);
    url.pathname = '/schemashift_no_such_database';
    const r = await cli(['status', '--json', '--database', url.toString()], { cwd: dir });
    expect(r.code).toBe(4);
    expect(errorObjectOf(r.stdout)).toMatchObject({ code: 'database-not-found', exit_code: 4 });
  });
});
