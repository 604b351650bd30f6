/** File system errors of a flags-file write, said in the user's terms (exit 2, not an internal error). */
import { UsageError } from '../errors.js';

const DENIED = new Set(['EACCES', 'EPERM', 'EROFS']);

/** A permission or read-only error on `folder` as a UsageError; anything else unchanged. */
export function explainWriteError(e: unknown, folder: string, what: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (!code || !DENIED.has(code)) return e;
  const why = code === 'EROFS' ? 'is on a read-only file system' : 'is not writable by this user';
  return new UsageError(
    `cannot write ${what} in the folder ${folder}: it ${why} (${code}). schemashift writes the new ` +
      'file beside the old one and renames it over, so that readers never see half a file, and locks it there',
    `let this user create files in ${folder} (or run schemashift as the user that owns the flags file)`,
  );
}
