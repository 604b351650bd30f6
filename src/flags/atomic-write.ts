/**
 * Replace a file atomically: a temporary file in the same folder, fsynced, renamed over the old one,
 * so a reader sees the old file or the new one, never half of one. The new file keeps the old one's
 * mode and (where this user may set it) owner.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { explainWriteError } from './file-errors.js';

/**
 * The file a write replaces: `file` itself, or what its symbolic links lead to. A link to nothing
 * is refused (replacing it by a regular file would cut the link the deployment relies on).
 */
export async function resolveTarget(file: string): Promise<string> {
  const absolute = resolve(file);
  try {
    return await realpath(absolute);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return absolute;
  }
  const link = await lstat(absolute).catch(() => undefined);
  if (link?.isSymbolicLink()) {
    const to = await readlink(absolute);
    throw new UsageError(
      `the flags file ${absolute} is a symbolic link to ${resolve(dirname(absolute), to)}, which does not exist`,
      `create the file the link points to (or point the link at the real flags file), or pass that file with --flags-file`,
    );
  }
  return absolute;
}

async function writeTemp(temp: string, text: string, target: string): Promise<void> {
  const old = await stat(target).catch(() => undefined);
  const mode = (old?.mode ?? 0o644) & 0o777;
  const handle = await open(temp, 'wx', mode);
  try {
    // open() applies the umask: set the mode (and owner, if allowed) the old file had.
    await handle.chmod(mode);
    if (old) await handle.chown(old.uid, old.gid).catch(() => undefined);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write `text` to `target` (resolved: see resolveTarget) so readers see the old content or the new, never a mix. */
export async function writeAtomically(target: string, text: string): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeTemp(temp, text, target);
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw explainWriteError(e, dir, 'a temporary file for the flags file');
  }
  // The rename itself survives a power cut only once the folder is synced (not possible everywhere).
  const folder = await open(dir, 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}
