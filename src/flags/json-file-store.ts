/**
 * Flags in a JSON file that applications load with ConfigurationObjectFeatureFlagProvider. A write
 * changes only the flag it sets (everything else keeps its exact bytes) and replaces the file
 * atomically: a temporary file in the same folder, fsynced, renamed over the old one, so a reader
 * sees the old file or the new one, never half of one. Writers are not serialised against each
 * other (last rename wins); use the table store when several processes set flags at once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../errors.js';
import { withPercentage, type FeatureFlag, type RolloutFilter } from './definition.js';
import { patchJsonText } from './json-text.js';
import type { FlagChange, FlagStore } from './store.js';

type Doc = Record<string, unknown> & { feature_management?: Record<string, unknown> & { feature_flags?: unknown[] } };

export class JsonFileFlagStore implements FlagStore {
  readonly where: string;
  constructor(readonly file: string) {
    this.where = `file ${file}`;
  }

  private async read(): Promise<{ text: string | null; doc: Doc }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: null, doc: {} };
      throw new UsageError(`cannot read the flags file ${this.file}: ${(e as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UsageError(
        `the flags file ${this.file} is not valid JSON: ${(e as Error).message}`,
        'fix the file (it is the Microsoft feature management format: { "feature_management": { ' +
          '"feature_flags": [ ... ] } })',
      );
    }
    const fm = (doc as Doc | null)?.feature_management;
    if (
      doc === null ||
      typeof doc !== 'object' ||
      Array.isArray(doc) ||
      (fm !== undefined &&
        (fm === null || typeof fm !== 'object' || (fm.feature_flags !== undefined && !Array.isArray(fm.feature_flags))))
    ) {
      throw new UsageError(
        `the flags file ${this.file} is not a feature management document`,
        'expected { "feature_management": { "feature_flags": [ { "id": ..., "enabled": ..., "conditions": ... } ] } }',
      );
    }
    return { text, doc: doc as Doc };
  }

  async list(): Promise<FeatureFlag[]> {
    const flags = ((await this.read()).doc.feature_management?.feature_flags ?? []) as FeatureFlag[];
    // Like the library's providers, the last entry with an id is the one that counts.
    return flags.filter(
      (f, i) =>
        f !== null &&
        typeof f === 'object' &&
        typeof f.id === 'string' &&
        flags.findLastIndex((g) => g?.id === f.id) === i,
    );
  }

  async get(id: string): Promise<FeatureFlag | undefined> {
    return (await this.list()).find((f) => f.id === id);
  }

  async setPercentage(id: string, percent: number, filter: RolloutFilter, _by: string): Promise<FlagChange> {
    const { text, doc } = await this.read();
    const flags = (doc.feature_management?.feature_flags ?? []) as FeatureFlag[];
    const at = flags.findLastIndex((f) => f?.id === id);
    const before = at < 0 ? undefined : flags[at];
    const after = withPercentage(before, id, percent, filter);
    if (before && isDeepStrictEqual(before, after)) return { before, after };
    const nextFlags = at < 0 ? [...flags, after] : flags.with(at, after);
    const next = { ...doc, feature_management: { ...doc.feature_management, feature_flags: nextFlags } };
    await writeAtomically(this.file, text === null ? `${JSON.stringify(next, null, 2)}\n` : patchJsonText(text, next));
    return { before, after };
  }
}

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
