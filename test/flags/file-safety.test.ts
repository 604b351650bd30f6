/**
 * `schemashift flags set --flags-file` as separate processes on real files: parallel writers lose
 * nothing (the lock beside the file), a stale lock is taken over and a live one named; the file
 * keeps its mode, owner and UTF-8 BOM; an unwritable folder and a dangling symlink exit 2.
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'schemashift.js');
const SEED = join(import.meta.dirname, '..', 'fixtures', 'flags', 'appsettings.seed.json');
const SEED_TEXT = readFileSync(SEED, 'utf8');
const run = promisify(execFile);

/** Exit code, stdout and stderr of the CLI run in `cwd` (optionally as another user). */
function cli(args: string[], cwd: string, uid?: number) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function seedDir(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-file-safety-'));
  const file = join(dir, 'appsettings.json');
  copyFileSync(SEED, file);
  return { dir, file };
}

const flagsOf = (file: string) =>
  Object.keys(
    (JSON.parse(readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '')) as { FeatureManagement: object })
      .FeatureManagement,
  );

describe('flags set on a JSON file, from several processes and on unusual files', () => {
  it('20 parallel `flags set` of different flags: none is lost, no lock or temporary file is left', async () => {
    const { dir, file } = seedDir();
    const names = Array.from({ length: 20 }, (_, i) => `Parallel${i}`);
    await Promise.all(
      names.map((name, i) =>
        run(process.execPath, [BIN, 'flags', 'set', name, String(i + 1), '--flags-file', 'appsettings.json'], {
          cwd: dir,
        }),
      ),
    );
    expect(flagsOf(file).sort()).toEqual(['UseNewCustomerIdColumn', ...names].sort());
    expect(readdirSync(dir)).toEqual(['appsettings.json']);
  }, 120_000);

  it('a lock left by a dead process of this host is taken over; a live one is waited for, then named (exit 2)', () => {
    const { dir, file } = seedDir();
    const lock = join(dir, '.appsettings.json.schemashift.lock');
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(lock, JSON.stringify({ pid: Number(dead.stdout.trim()), host: hostname() }));
    expect(cli(['flags', 'set', 'UseNewCustomerIdColumn', '20', '--flags-file', 'appsettings.json'], dir).code).toBe(0);
    expect(existsSync(lock)).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain('"Value": 20 //');

    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-12-07T10:00:00Z' }));
    const started = Date.now();
    const held = cli(['flags', 'set', 'UseNewCustomerIdColumn', '30', '--flags-file', 'appsettings.json'], dir);
    expect(held.code).toBe(2);
    expect(held.err).toContain(`is locked by process ${process.pid} on ${hostname()}`);
    expect(held.err).toContain(lock);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    expect(readFileSync(file, 'utf8')).toContain('"Value": 20 //');
  }, 60_000);

  it.each([0o664, 0o640])('keeps the mode %o and the owner of the file', (mode) => {
    const { dir, file } = seedDir();
    chmodSync(file, mode);
    chownSync(file, 65534, 65534);
    expect(cli(['flags', 'set', 'UseNewCustomerIdColumn', '40', '--flags-file', 'appsettings.json'], dir).code).toBe(0);
    const after = statSync(file);
    expect(after.mode & 0o777).toBe(mode);
    expect([after.uid, after.gid]).toEqual([65534, 65534]);
    expect(readFileSync(file, 'utf8')).toContain('"Value": 40 //');
  });

  it('a UTF-8 BOM is read and written back: only the number changes, byte for byte', () => {
    const { dir, file } = seedDir();
    writeFileSync(file, `\uFEFF${SEED_TEXT}`);
    const set = cli(['flags', 'set', 'UseNewCustomerIdColumn', '50', '--flags-file', 'appsettings.json'], dir);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(readFileSync(file)).toEqual(
      Buffer.from(`\uFEFF${SEED_TEXT.replace('"Value": 10 //', '"Value": 50 //')}`, 'utf8'),
    );
  });

  it('a folder this user cannot write to: exit 2 naming the folder and why a file is created there', () => {
    const { dir, file } = seedDir();
    chmodSync(file, 0o666); // the file itself is writable: only the folder is not
    const r = cli(['flags', 'set', 'UseNewCustomerIdColumn', '60', '--flags-file', 'appsettings.json'], dir, 65534);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`in the folder ${dir}`);
    expect(r.err).toContain('renames it over');
    expect(r.err).not.toContain('bug');
    expect(readFileSync(file, 'utf8')).toBe(SEED_TEXT);
  });

  it('a symbolic link to a missing file: exit 2 naming both, the link stays a link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-file-safety-'));
    symlinkSync('shared/appsettings.json', join(dir, 'appsettings.json'));
    const r = cli(['flags', 'set', 'Beta', '10', '--flags-file', 'appsettings.json'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${join(dir, 'appsettings.json')} is a symbolic link to ${join(dir, 'shared', 'appsettings.json')}`,
    );
    expect(lstatSync(join(dir, 'appsettings.json')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(dir, 'shared'))).toBe(false);
  });
});
