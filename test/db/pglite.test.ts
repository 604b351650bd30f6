/** PGlite specifics: persisted directories, and sessions serialised onto its single backend. */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { DatabaseError } from '../../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'schemashift-pglite-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('PGlite in a directory', () => {
  it('creates missing directories (relative to cwd) and keeps data across close and reopen', async () => {
    const first = await connect('pglite://./nested/db', { cwd: dir });
    expect(first.displayUrl).toBe('pglite://./nested/db');
    await first.exec('CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)');
    await first.close();
    expect((await stat(join(dir, 'nested/db'))).isDirectory()).toBe(true);
    const again = await connect(`pglite://${dir}/nested/db`);
    try {
      expect((await again.query('SELECT id FROM kept ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
    } finally {
      await again.close();
    }
  });

  it('a directory that cannot be created is a DatabaseError naming the URL', async () => {
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const e = await connect(`pglite://${dir}/a-file/db`).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DatabaseError);
    expect((e as Error).message).toMatch(/^cannot open pglite:\/\/.*a-file\/db/);
  });
});

describe('PGlite sessions', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect('pglite://memory');
  });
  afterAll(() => conn.close());

  it('work from outside waits for an active session; work from inside runs at once', async () => {
    const order: string[] = [];
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    let entered!: () => void;
    const inSession = new Promise<void>((resolve) => (entered = resolve));
    const session = conn.session(async (s) => {
      await s.exec('BEGIN; CREATE TABLE gate_t (id int)');
      entered();
      await held;
      await conn.query('INSERT INTO gate_t VALUES (1)');
      await conn.session(async (inner) => void (await inner.query('INSERT INTO gate_t VALUES (2)')));
      await s.exec('COMMIT');
      order.push('session done');
    });
    await inSession;
    const outside = conn.query<{ n: number }>('SELECT count(*)::int AS n FROM gate_t').then((r) => {
      order.push('outside ran');
      return r.rows[0]?.n;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    letGo();
    await session;
    expect(await outside).toBe(2);
    expect(order).toEqual(['session done', 'outside ran']);
  });

  it('a nested session does not reset the outer one', async () => {
    await conn.session(async (outer) => {
      await outer.exec("SET lock_timeout = '5s'; SELECT pg_advisory_lock(7)");
      await conn.session(async (inner) => void (await inner.query('SELECT 1')));
      expect((await outer.query('SHOW lock_timeout')).rows).toEqual([{ lock_timeout: '5s' }]);
    });
    expect((await conn.query('SHOW lock_timeout')).rows).toEqual([{ lock_timeout: '0' }]);
  });

  it('the backend keeps working normally after resets (dates, json, numeric)', async () => {
    const { rows } = await conn.query<{ d: Date; j: unknown; x: string }>(
      `SELECT '2024-01-02T03:04:05Z'::timestamptz AS d, '{"a":1}'::jsonb AS j, 1.5::numeric AS x`,
    );
    expect(rows[0]!.d.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(rows[0]!.j).toEqual({ a: 1 });
    expect(rows[0]!.x).toBe('1.5');
  });

  it('close waits for a running session and is idempotent (last: closes the shared instance)', async () => {
    let finished = false;
    const session = conn.session(async (s) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await s.query('SELECT 1');
      finished = true;
    });
    await Promise.all([conn.close(), conn.close()]);
    expect(finished).toBe(true);
    await session;
    await expect(conn.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseError);
  });
});

describe('one process per embedded database directory', () => {
  it("a second process is refused with exit 3 naming the holder; a dead holder's lock is taken over", async () => {
    const { mkdtempSync, writeFileSync, existsSync } = await import('node:fs');
    const { tmpdir, hostname } = await import('node:os');
    const { connect } = await import('../../src/db/index.js');
    const { LockedError } = await import('../../src/errors.js');
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-pglite-lock-'));
    const lock = join(dir, 'schemashift.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const refused = await connect(`pglite://${dir}`).then(
      () => 'opened',
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(LockedError);
    expect((refused as InstanceType<typeof LockedError>).exitCode).toBe(3);
    expect(String((refused as Error).message)).toContain(`pid ${process.ppid}`);
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const conn = await connect(`pglite://${dir}`);
    expect((JSON.parse((await import('node:fs')).readFileSync(lock, 'utf8')) as { pid: number }).pid).toBe(process.pid);
    await conn.close();
    expect(existsSync(lock)).toBe(false);
  }, 60_000);
});
