/**
 * Flags in a JSON file: the Microsoft feature management schema (`feature_management.feature_flags`,
 * read by ConfigurationObjectFeatureFlagProvider) and/or the .NET `FeatureManagement` section of an
 * appsettings.json, chosen by what the file holds. Comments and trailing commas are allowed, as in
 * appsettings.json. A write changes only the values of the flag it sets (everything else keeps its
 * exact bytes) and replaces the file atomically. Writers are not serialised against each other
 * (last rename wins); use the table store when several processes set flags at once.
 *
 * A file with both sections is read as .NET reads it: a flag declared in `feature_management` wins
 * over the `FeatureManagement` flag of the same name (compared without case); new flags go to
 * `feature_management`.
 */
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../errors.js';
import { writeAtomically } from './atomic-write.js';
import { withPercentage, type FeatureFlag, type RolloutFilter } from './definition.js';
import { dotnetWithPercentage } from './dotnet-rollout.js';
import {
  dotnetFlagKey,
  dotnetSectionKey,
  dotnetToFeatureFlag,
  readDotnetSection,
  type DotnetSection,
} from './dotnet-section.js';
import { checkedEdit, checkNoDuplicateKeys, parseJsonc } from './jsonc-document.js';
import { editJsonc } from './jsonc-edit.js';
import { patchJsonText } from './json-text.js';
import type { FlagChange, FlagStore } from './store.js';

type Doc = Record<string, unknown> & { feature_management?: Record<string, unknown> & { feature_flags?: unknown[] } };

const FORMATS =
  'the Microsoft feature management format { "feature_management": { "feature_flags": [ ... ] } }, or an ' +
  'appsettings.json with a .NET "FeatureManagement": { ... } section';

interface FlagsFile {
  /** Null: the file does not exist yet. */
  text: string | null;
  doc: Doc;
  /** Plain JSON (no comments, no trailing commas): edited by the patcher that keeps its layout. */
  strict: boolean;
  dotnet?: DotnetSection;
}

function isStrictJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function checkMicrosoftSection(file: string, doc: unknown): asserts doc is Doc {
  const fm = (doc as Doc | null)?.feature_management;
  if (
    doc === null ||
    typeof doc !== 'object' ||
    Array.isArray(doc) ||
    (fm !== undefined &&
      (fm === null || typeof fm !== 'object' || (fm.feature_flags !== undefined && !Array.isArray(fm.feature_flags))))
  ) {
    throw new UsageError(`the flags file ${file} is not a feature management document`, `expected ${FORMATS}`);
  }
}

/** Like the library's providers, the last entry with an id is the one that counts. */
function microsoftFlags(doc: Doc): FeatureFlag[] {
  const flags = (doc.feature_management?.feature_flags ?? []) as FeatureFlag[];
  return flags.filter(
    (f, i) =>
      f !== null &&
      typeof f === 'object' &&
      typeof f.id === 'string' &&
      flags.findLastIndex((g) => g?.id === f.id) === i,
  );
}

/** .NET flags that a `feature_management` flag of the same name (without case) does not override. */
function visibleDotnetFlags(doc: Doc, dotnet: DotnetSection): [string, FeatureFlag][] {
  const declared = new Set(microsoftFlags(doc).map((f) => f.id.toLowerCase()));
  return Object.entries(dotnet.flags)
    .filter(([key]) => !declared.has(key.toLowerCase()))
    .map(([key, flag]) => [key, dotnetToFeatureFlag(key, flag)]);
}

/** A file with comments: only the flag's values change (or the flag, or the section, is added). */
function editMicrosoftSection(
  text: string,
  doc: Doc,
  at: number,
  flags: unknown[],
  before: FeatureFlag | undefined,
  after: FeatureFlag,
): string {
  if (doc.feature_management === undefined)
    return editJsonc(text, ['feature_management'], undefined, { feature_flags: [after] });
  if (doc.feature_management.feature_flags === undefined)
    return editJsonc(text, ['feature_management', 'feature_flags'], undefined, [after]);
  return editJsonc(text, ['feature_management', 'feature_flags', at < 0 ? flags.length : at], before, after);
}

export class JsonFileFlagStore implements FlagStore {
  readonly where: string;
  constructor(readonly file: string) {
    this.where = `file ${file}`;
  }

  private async read(): Promise<FlagsFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: null, doc: {}, strict: true };
      throw new UsageError(`cannot read the flags file ${this.file}: ${(e as Error).message}`);
    }
    const parsed = parseJsonc(this.file, text, FORMATS);
    const doc = parsed.value;
    checkMicrosoftSection(this.file, doc);
    const dotnetKey = dotnetSectionKey(doc);
    checkNoDuplicateKeys(this.file, parsed, dotnetKey !== undefined);
    const dotnet = dotnetKey === undefined ? undefined : readDotnetSection(this.file, doc, dotnetKey);
    return { text, doc, strict: isStrictJson(text), ...(dotnet ? { dotnet } : {}) };
  }

  async list(): Promise<FeatureFlag[]> {
    const { doc, dotnet } = await this.read();
    return [...microsoftFlags(doc), ...(dotnet ? visibleDotnetFlags(doc, dotnet).map(([, f]) => f) : [])];
  }

  async get(id: string): Promise<FeatureFlag | undefined> {
    const { doc, dotnet } = await this.read();
    const declared = microsoftFlags(doc).find((f) => f.id === id);
    if (declared || !dotnet) return declared;
    return visibleDotnetFlags(doc, dotnet).find(([key]) => key.toLowerCase() === id.toLowerCase())?.[1];
  }

  async setPercentage(id: string, percent: number, filter: RolloutFilter, _by: string): Promise<FlagChange> {
    const flagsFile = await this.read();
    const { doc, dotnet } = flagsFile;
    const inMicrosoft = microsoftFlags(doc).some((f) => f.id === id);
    if (!inMicrosoft && dotnet && (dotnetFlagKey(dotnet, id) !== undefined || doc.feature_management === undefined))
      return this.setDotnet(flagsFile as FlagsFile & { text: string }, dotnet, id, percent, filter);
    return this.setMicrosoft(flagsFile, id, percent, filter);
  }

  private async setDotnet(
    { text, doc }: FlagsFile & { text: string },
    dotnet: DotnetSection,
    id: string,
    percent: number,
    filter: RolloutFilter,
  ): Promise<FlagChange> {
    const key = dotnetFlagKey(dotnet, id);
    const overriding = microsoftFlags(doc).find((f) => f.id.toLowerCase() === id.toLowerCase());
    if (key !== undefined && overriding)
      throw new UsageError(
        `flag ${id} is in both sections of the ${this.where}, and .NET uses the one in feature_management ` +
          `(id ${overriding.id}): a change to the FeatureManagement one would change nothing`,
        `set the flag by the id .NET uses: schemashift flags set ${overriding.id} ${percent}`,
      );
    const current = key === undefined ? undefined : dotnet.flags[key];
    const next = dotnetWithPercentage(dotnet, id, current, percent, filter);
    const before = current === undefined ? undefined : dotnetToFeatureFlag(key!, current);
    const after = dotnetToFeatureFlag(key ?? id, next);
    if (isDeepStrictEqual(current, next)) return { before, after };
    const section = { ...(doc[dotnet.key] as object), [key ?? id]: next };
    const edited = editJsonc(text, [dotnet.key, key ?? id], current, next);
    await writeAtomically(this.file, checkedEdit(this.file, edited, { ...doc, [dotnet.key]: section }));
    return { before, after };
  }

  private async setMicrosoft(
    { text, doc, strict }: FlagsFile,
    id: string,
    percent: number,
    filter: RolloutFilter,
  ): Promise<FlagChange> {
    const flags = (doc.feature_management?.feature_flags ?? []) as FeatureFlag[];
    const at = flags.findLastIndex((f) => f?.id === id);
    const before = at < 0 ? undefined : flags[at];
    const after = withPercentage(before, id, percent, filter);
    if (before && isDeepStrictEqual(before, after)) return { before, after };
    const nextFlags = at < 0 ? [...flags, after] : flags.with(at, after);
    const next = { ...doc, feature_management: { ...doc.feature_management, feature_flags: nextFlags } };
    let written: string;
    if (text === null) written = `${JSON.stringify(next, null, 2)}\n`;
    else if (strict) written = patchJsonText(text, next);
    else written = checkedEdit(this.file, editMicrosoftSection(text, doc, at, flags, before, after), next);
    await writeAtomically(this.file, written);
    return { before, after };
  }
}
