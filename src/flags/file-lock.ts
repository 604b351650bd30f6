/**
 * An exclusive lock beside a flags file (`.<name>.schemashift.lock`, created with O_EXCL), held from
 * the read of the file to the rename of its new version, so two writers cannot lose each other's edit.
 * A lock whose process is dead on this host is taken over; a live one is waited for up to ~10 s.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { explainWriteError } from './file-errors.js';

const WAIT_MS = 10_000;
/** A lock file still empty after this long was left by a writer that died between create and write. */
const EMPTY_STALE_MS = 10_000;

interface Holder {
  pid: number;
  host: string;
  since?: string;
}

export function lockPathOf(target: string): string {
  return join(dirname(target), `.${basename(target)}.schemashift.lock`);
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(lock: string): Promise<boolean> {
  try {
    const handle = await open(lock, 'wx', 0o644);
    try {
      const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      await handle.writeFile(`${JSON.stringify(holder)}\n`, 'utf8');
    } finally {
      await handle.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw explainWriteError(e, dirname(lock), 'its lock file');
  }
}

/** Is the lock left by a dead process of this host (or empty for long)? Its text, if so. */
async function staleText(lock: string): Promise<string | undefined> {
  const text = await readFile(lock, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const holder = parseHolder(text);
  if (holder) return holder.host === hostname() && !isAlive(holder.pid) ? text : undefined;
  const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
  return age > EMPTY_STALE_MS ? text : undefined;
}

/**
 * Remove the stale lock `stale` (its text when judged) if it is still there. Take-overs are
 * serialised by a second lock, so none can remove a lock another process has just created: a
 * stale lock is only ever removed by a take-over, and while it is there nobody can create a new one.
 */
async function takeOver(lock: string, stale: string): Promise<void> {
  const mutex = `${lock}.takeover`;
  if (!(await tryCreate(mutex))) {
    // A take-over mutex left by a process that died in its few microseconds of use.
    const age = Date.now() - ((await stat(mutex).catch(() => undefined))?.mtimeMs ?? Date.now());
    if (age > EMPTY_STALE_MS) await rm(mutex, { force: true });
    return;
  }
  try {
    if ((await readFile(lock, 'utf8').catch(() => undefined)) === stale) await rm(lock, { force: true });
  } finally {
    await rm(mutex, { force: true });
  }
}

function describeHolder(text: string | undefined): string {
  const holder = text === undefined ? undefined : parseHolder(text);
  if (!holder) return 'a process that has not written its name yet';
  return `process ${holder.pid} on ${holder.host}${holder.since ? ` (since ${holder.since})` : ''}`;
}

/** Run `fn` holding the lock of `target` (an absolute, resolved path). */
export async function withFileLock<T>(target: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockPathOf(target);
  const deadline = Date.now() + WAIT_MS;
  for (let delay = 5; !(await tryCreate(lock)); delay = Math.min(delay * 2, 200)) {
    const stale = await staleText(lock);
    if (stale !== undefined) {
      await takeOver(lock, stale);
      continue;
    }
    if (Date.now() >= deadline) {
      const holder = describeHolder(await readFile(lock, 'utf8').catch(() => undefined));
      throw new UsageError(
        `the flags file ${target} is locked by ${holder}: another schemashift is writing it (waited ${WAIT_MS / 1000} s)`,
        `try again when it is done; if no schemashift runs on that host any more, remove ${lock}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
