/**
 * Flags in a JSON file: the Microsoft feature management schema (`feature_management.feature_flags`,
 * read by ConfigurationObjectFeatureFlagProvider) and/or the .NET `FeatureManagement` section of an
 * appsettings.json, chosen by what the file holds. Comments, trailing commas and a UTF-8 BOM are
 * allowed, as in appsettings.json. A write changes only the values of the flag it sets (everything
 * else keeps its exact bytes), holds a lock file beside the file from read to rename (file-lock.ts),
 * and replaces the file atomically, keeping its mode.
 *
 * A file with both sections is read as .NET reads it: a flag declared in `feature_management` wins
 * over the `FeatureManagement` flag of the same name (compared without case); new flags go to
 * `feature_management`. In a file a .NET app reads, flag ids are compared without case, as .NET does.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../errors.js';
import { resolveTarget, writeAtomically } from './atomic-write.js';
import { rolloutOf, UNREADABLE, withPercentage, type FeatureFlag, type RolloutFilter } from './definition.js';
import { checkWholePercent, unreadableDotnetFlags, unreadableMicrosoftFlags } from './dotnet-integers.js';
import { dotnetWithPercentage } from './dotnet-rollout.js';
import {
  dotnetFlagKey,
  dotnetSectionKey,
  dotnetToFeatureFlag,
  readDotnetSection,
  type DotnetSection,
} from './dotnet-section.js';
import { withFileLock } from './file-lock.js';
import { dotnetDefaultFilter, isDotnetFile } from './file-rollout-choice.js';
import { checkNoDuplicateKeys, parseJsonc } from './jsonc-document.js';
import { checkMicrosoftSection, microsoftEntries, type Doc } from './microsoft-section.js';
import { dotnetEdit, microsoftEdit } from './json-file-edit.js';
import type { FlagChange, FlagStore } from './store.js';

const FORMATS =
  'the Microsoft feature management format { "feature_management": { "feature_flags": [ ... ] } }, or an ' +
  'appsettings.json with a .NET "FeatureManagement": { ... } section';

const BOM = '\uFEFF';

export interface FlagsFile {
  /** Null: the file does not exist yet. */
  text: string | null;
  /** The file began with a UTF-8 byte order mark (not in `text`; written back). */
  bom: boolean;
  doc: Doc;
  /** Plain JSON (no comments, no trailing commas): edited by the patcher that keeps its layout. */
  strict: boolean;
  dotnet?: DotnetSection;
  /** A .NET app reads the file: ids compared without case, Percentage values whole. */
  dotnetApp: boolean;
  unreadableDotnet: Map<string, string>;
  unreadableMicrosoft: Map<number, string>;
}

function isStrictJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const marked = (flag: FeatureFlag, reason: string | undefined): FeatureFlag =>
  reason === undefined ? flag : { ...flag, [UNREADABLE]: reason };

/** Where a write of flag `id` goes, and with which filter. */
interface WritePlan {
  section: 'dotnet' | 'microsoft';
  filter: RolloutFilter;
  current: FeatureFlag | undefined;
}

export class JsonFileFlagStore implements FlagStore {
  readonly where: string;
  constructor(readonly file: string) {
    this.where = `file ${file}`;
  }

  private async read(target: string): Promise<FlagsFile> {
    let raw: string;
    try {
      raw = await readFile(target, 'utf8');
    } catch (e) {
      const dotnetApp = isDotnetFile(this.file, false);
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        return {
          text: null,
          bom: false,
          doc: {},
          strict: true,
          dotnetApp,
          unreadableDotnet: new Map(),
          unreadableMicrosoft: new Map(),
        };
      throw new UsageError(`cannot read the flags file ${this.file}: ${(e as Error).message}`);
    }
    const bom = raw.startsWith(BOM);
    const text = bom ? raw.slice(1) : raw;
    const parsed = parseJsonc(this.file, text, FORMATS);
    const doc = parsed.value;
    checkMicrosoftSection(this.file, doc, FORMATS);
    const dotnetKey = dotnetSectionKey(doc);
    checkNoDuplicateKeys(this.file, parsed, dotnetKey !== undefined);
    const dotnet = dotnetKey === undefined ? undefined : readDotnetSection(this.file, doc, dotnetKey);
    const dotnetApp = isDotnetFile(this.file, dotnet !== undefined);
    return {
      text,
      bom,
      doc,
      strict: isStrictJson(text),
      ...(dotnet ? { dotnet } : {}),
      dotnetApp,
      unreadableDotnet:
        dotnetKey === undefined ? new Map<string, string>() : unreadableDotnetFlags(text, parsed.root, dotnetKey),
      unreadableMicrosoft: dotnetApp ? unreadableMicrosoftFlags(text, parsed.root) : new Map<number, string>(),
    };
  }

  private microsoft(f: FlagsFile): FeatureFlag[] {
    return microsoftEntries(f.doc, f.dotnetApp).map(([i, flag]) => marked(flag, f.unreadableMicrosoft.get(i)));
  }

  /** .NET flags that a `feature_management` flag of the same name (without case) does not override. */
  private visibleDotnet(f: FlagsFile): [string, FeatureFlag][] {
    if (!f.dotnet) return [];
    const declared = new Set(microsoftEntries(f.doc, true).map(([, flag]) => flag.id.toLowerCase()));
    return Object.entries(f.dotnet.flags)
      .filter(([key]) => !declared.has(key.toLowerCase()))
      .map(([key, flag]) => [key, marked(dotnetToFeatureFlag(key, flag), f.unreadableDotnet.get(key.toLowerCase()))]);
  }

  private find(f: FlagsFile, id: string): FeatureFlag | undefined {
    const same = (other: string) => (f.dotnetApp ? other.toLowerCase() === id.toLowerCase() : other === id);
    const declared = this.microsoft(f).find((flag) => same(flag.id));
    if (declared) return declared;
    return this.visibleDotnet(f).find(([key]) => key.toLowerCase() === id.toLowerCase())?.[1];
  }

  async list(): Promise<FeatureFlag[]> {
    const f = await this.read(await resolveTarget(this.file));
    return [...this.microsoft(f), ...this.visibleDotnet(f).map(([, flag]) => flag)];
  }

  async get(id: string): Promise<FeatureFlag | undefined> {
    return this.find(await this.read(await resolveTarget(this.file)), id);
  }

  /** The section a write of `id` goes to and its filter: the asked one, the flag's own, else the format's default. */
  private writePlan(f: FlagsFile, id: string, filter: RolloutFilter | undefined): WritePlan {
    const current = this.find(f, id);
    const inMicrosoft = microsoftEntries(f.doc, f.dotnetApp).some(([, flag]) =>
      f.dotnetApp ? flag.id.toLowerCase() === id.toLowerCase() : flag.id === id,
    );
    const dotnet = f.dotnet;
    if (!inMicrosoft && dotnet && (dotnetFlagKey(dotnet, id) !== undefined || f.doc.feature_management === undefined)) {
      const key = dotnetFlagKey(dotnet, id);
      const chosen = filter ?? dotnetDefaultFilter(dotnet, key === undefined ? undefined : dotnet.flags[key]);
      return { section: 'dotnet', filter: chosen, current };
    }
    return { section: 'microsoft', filter: filter ?? rolloutOf(current).filter ?? 'targeting', current };
  }

  private checkPercents(f: FlagsFile, id: string, plan: WritePlan, percents: number[]): void {
    if (plan.filter !== 'percentage' || !f.dotnetApp) return;
    for (const percent of percents) checkWholePercent(this.file, id, percent);
  }

  async checkRollout(id: string, percents: number[], filter: RolloutFilter | undefined): Promise<void> {
    const f = await this.read(await resolveTarget(this.file));
    const plan = this.writePlan(f, id, filter);
    const unreadable = rolloutOf(plan.current).unreadable;
    // Setting 0 (a rollback) guesses nothing: it writes a whole number over the value.
    if (unreadable !== undefined && percents.some((p) => p !== 0))
      throw new UsageError(
        `flag ${id} in the ${this.where}: ${unreadable}; the rollout does not start rather than guess what the flag does now`,
        'write the Value as a whole number (10, not 10.0 or 1e1), then run again',
      );
    this.checkPercents(f, id, plan, percents);
  }

  async setPercentage(
    id: string,
    percent: number,
    filter: RolloutFilter | undefined,
    _by: string,
  ): Promise<FlagChange> {
    const target = await resolveTarget(this.file);
    await mkdir(dirname(target), { recursive: true }).catch(() => undefined);
    return withFileLock(target, async () => {
      const f = await this.read(target);
      const plan = this.writePlan(f, id, filter);
      this.checkPercents(f, id, plan, [percent]);
      const change =
        plan.section === 'dotnet'
          ? this.setDotnet(f as FlagsFile & { text: string }, f.dotnet!, id, percent, plan.filter)
          : this.setMicrosoft(f, id, percent, plan.filter);
      if (change.text !== undefined) await writeAtomically(target, (f.bom ? BOM : '') + change.text);
      return { before: change.before, after: change.after };
    });
  }

  private setDotnet(
    f: FlagsFile & { text: string },
    dotnet: DotnetSection,
    id: string,
    percent: number,
    filter: RolloutFilter,
  ): FlagChange & { text?: string } {
    const { text, doc } = f;
    // feature_management does not declare this flag (writePlan): .NET reads this one.
    const key = dotnetFlagKey(dotnet, id);
    const current = key === undefined ? undefined : dotnet.flags[key];
    const next = dotnetWithPercentage(dotnet, id, current, percent, filter);
    const before = current === undefined ? undefined : dotnetToFeatureFlag(key!, current);
    const after = dotnetToFeatureFlag(key ?? id, next);
    const unreadable = key !== undefined && f.unreadableDotnet.has(key.toLowerCase());
    if (isDeepStrictEqual(current, next) && !unreadable) return { before, after };
    const edited = dotnetEdit(this.file, text, doc, dotnet.key, key ?? id, current, next, unreadable);
    return { before: before && marked(before, f.unreadableDotnet.get(key!.toLowerCase())), after, text: edited };
  }

  private setMicrosoft(
    f: FlagsFile,
    id: string,
    percent: number,
    filter: RolloutFilter,
  ): FlagChange & { text?: string } {
    const { doc } = f;
    const flags = (doc.feature_management?.feature_flags ?? []) as FeatureFlag[];
    const same = (other: unknown) =>
      typeof other === 'string' && (f.dotnetApp ? other.toLowerCase() === id.toLowerCase() : other === id);
    const at = flags.findLastIndex((flag) => same(flag?.id));
    const before = at < 0 ? undefined : flags[at];
    // The entry keeps its own spelling of the id (.NET compares ids without case).
    const after = withPercentage(before, before?.id ?? id, percent, filter);
    const unreadable = f.unreadableMicrosoft.has(at);
    if (before && isDeepStrictEqual(before, after) && !unreadable) return { before, after };
    const text = microsoftEdit(this.file, f, at, flags, before, after, unreadable);
    return { before: before && marked(before, f.unreadableMicrosoft.get(at)), after, text };
  }
}
