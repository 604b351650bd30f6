/**
 * Replace a file atomically: a temporary file in the same folder, fsynced, renamed over the old one,
 * so a reader sees the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Write `text` to `file` so that readers see the old content or the new, never a mix or a truncation. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const target = await realpath(file).catch(() => file);
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  const mode = ((await stat(target).catch(() => undefined))?.mode ?? 0o644) & 0o777;
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  // The rename itself survives a power cut only once the folder is synced (not possible everywhere).
  const folder = await open(dir, 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}
