/**
 * The .NET `FeatureManagement` section (Microsoft.FeatureManagement for ASP.NET Core, appsettings.json):
 * `"Flag": true | false` or `"Flag": { "EnabledFor": [ { "Name": ..., "Parameters": ... } ], "RequirementType": ... }`.
 * Keys are read without case, as the .NET configuration binder reads them. Each flag is also seen
 * as a FeatureFlag (the Microsoft schema), so rollouts, `flags` and `status` read both formats alike.
 */
import { UsageError } from '../errors.js';
import {
  PERCENTAGE_FILTER,
  TARGETING_FILTER,
  type ClientFilter,
  type FeatureFlag,
  type RolloutFilter,
} from './definition.js';
import { keyOf } from './jsonc-document.js';

export type DotnetFlag = boolean | Record<string, unknown>;

export interface DotnetSection {
  /** The section's key as the file spells it (`FeatureManagement`, `featureManagement`). */
  key: string;
  flags: Record<string, DotnetFlag>;
  /** A key as this section already spells it (`enabledFor` in a camelCase file), else as given. */
  spell: (canonical: string) => string;
  /** The file names the built-in filters without `Microsoft.` (`Percentage`), so new ones follow. */
  bareFilterNames: boolean;
}

const PERCENTAGE_NAME = /^(microsoft\.)?percentage$/i;
const TARGETING_NAME = /^(microsoft\.)?targeting$/i;

export function rolloutFilterOf(filter: unknown): RolloutFilter | null {
  const name = isObject(filter) ? filter[keyOf(filter, 'Name') ?? 'Name'] : undefined;
  if (typeof name !== 'string') return null;
  return PERCENTAGE_NAME.test(name) ? 'percentage' : TARGETING_NAME.test(name) ? 'targeting' : null;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The section key at the root of the document (compared without case), if any. */
export function dotnetSectionKey(doc: Record<string, unknown>): string | undefined {
  return keyOf(doc, 'FeatureManagement');
}

const SHAPE =
  'write each flag as "Name": true, "Name": false, or "Name": { "EnabledFor": [ { "Name": "Microsoft.Percentage", ' +
  '"Parameters": { "Value": 10 } } ] }';

function refuse(file: string, what: string): never {
  throw new UsageError(`the flags file ${file}: ${what}`, SHAPE);
}

function describeValue(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return `${JSON.stringify(value)?.slice(0, 40)} (${type})`;
}

function checkFilters(file: string, id: string, enabledFor: unknown): void {
  if (enabledFor === undefined || typeof enabledFor === 'boolean') return;
  if (!Array.isArray(enabledFor)) refuse(file, `EnabledFor of flag ${id} is ${describeValue(enabledFor)}, not a list`);
  (enabledFor as unknown[]).forEach((filter, i) => {
    const name = isObject(filter) ? filter[keyOf(filter, 'Name') ?? 'Name'] : undefined;
    if (!isObject(filter) || typeof name !== 'string' || name === '')
      refuse(file, `filter ${i + 1} in EnabledFor of flag ${id} has no "Name"`);
    const parameters = filter[keyOf(filter, 'Parameters') ?? 'Parameters'];
    if (parameters !== undefined && !isObject(parameters))
      refuse(file, `the Parameters of filter ${name} of flag ${id} are ${describeValue(parameters)}, not an object`);
  });
}

function checkFlag(file: string, id: string, value: unknown): DotnetFlag {
  if (typeof value === 'boolean') return value;
  if (!isObject(value)) refuse(file, `flag ${id} in FeatureManagement is ${describeValue(value)}`);
  checkFilters(file, id, value[keyOf(value, 'EnabledFor') ?? 'EnabledFor']);
  const requirement = value[keyOf(value, 'RequirementType') ?? 'RequirementType'];
  if (requirement !== undefined && !(typeof requirement === 'string' && /^(any|all)$/i.test(requirement)))
    refuse(file, `RequirementType of flag ${id} is ${describeValue(requirement)}: expected "Any" or "All"`);
  return value;
}

function keysUnder(value: unknown, into: Map<string, string>): void {
  if (Array.isArray(value)) value.forEach((v) => keysUnder(v, into));
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) {
      if (!into.has(k.toLowerCase())) into.set(k.toLowerCase(), k);
      keysUnder(v, into);
    }
}

/** The checked section of `doc` (it has one: see dotnetSectionKey), or a UsageError naming what is wrong. */
export function readDotnetSection(file: string, doc: Record<string, unknown>, key: string): DotnetSection {
  const section = doc[key];
  if (!isObject(section))
    throw new UsageError(
      `the flags file ${file}: "${key}" is ${describeValue(section)}, not an object of flags`,
      'write it as "FeatureManagement": { "FlagA": true, "FlagB": { "EnabledFor": [ ... ] } }',
    );
  const flags: Record<string, DotnetFlag> = {};
  for (const [id, value] of Object.entries(section)) flags[id] = checkFlag(file, id, value);
  const spellings = new Map<string, string>();
  // Parameter keys of filters schemashift does not know (TimeWindow's Start, End) say nothing of the style.
  for (const flag of Object.values(flags)) if (isObject(flag)) keysUnder(flag, spellings);
  const names = Object.values(flags).flatMap((f) => {
    const enabledFor = isObject(f) ? f[keyOf(f, 'EnabledFor') ?? 'EnabledFor'] : undefined;
    const filters = Array.isArray(enabledFor) ? (enabledFor as Record<string, unknown>[]) : [];
    return filters.filter((x) => rolloutFilterOf(x) !== null);
  });
  const bare = names.map((f) => String(f[keyOf(f, 'Name')!]));
  return {
    key,
    flags,
    spell: (canonical) => spellings.get(canonical.toLowerCase()) ?? canonical,
    bareFilterNames: bare.length > 0 && bare.every((n) => !n.includes('.')),
  };
}

/** The flag's key in the section for `id`, compared without case as .NET does. */
export function dotnetFlagKey(section: DotnetSection, id: string): string | undefined {
  return keyOf(section.flags, id);
}

const CANONICAL_KEYS = [
  'Value',
  'Audience',
  'DefaultRolloutPercentage',
  'Users',
  'Groups',
  'Exclusion',
  'Name',
  'RolloutPercentage',
];
const NUMBERS = new Set(['Value', 'DefaultRolloutPercentage', 'RolloutPercentage']);

/** Parameters with the keys schemashift reads spelled canonically; numbers written as strings ("10") read as numbers. */
function canonicalParameters(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalParameters);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const key = CANONICAL_KEYS.find((c) => c.toLowerCase() === k.toLowerCase()) ?? k;
      const numeric = NUMBERS.has(key) && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v));
      return [key, numeric ? Number(v) : canonicalParameters(v)];
    }),
  );
}

function modelFilter(filter: Record<string, unknown>): ClientFilter {
  const kind = rolloutFilterOf(filter);
  const name = String(filter[keyOf(filter, 'Name')!]);
  const parameters = filter[keyOf(filter, 'Parameters') ?? 'Parameters'];
  const modelName = kind === 'percentage' ? PERCENTAGE_FILTER : kind === 'targeting' ? TARGETING_FILTER : name;
  if (parameters === undefined) return { name: modelName };
  return {
    name: modelName,
    parameters: (kind ? canonicalParameters(parameters) : parameters) as Record<string, unknown>,
  };
}

/** A .NET flag seen as a FeatureFlag: on when EnabledFor is true or lists filters; the filters as client_filters. */
export function dotnetToFeatureFlag(id: string, flag: DotnetFlag): FeatureFlag {
  if (typeof flag === 'boolean') return { id, enabled: flag, conditions: { client_filters: [] } };
  const enabledFor = flag[keyOf(flag, 'EnabledFor') ?? 'EnabledFor'];
  const requirement = flag[keyOf(flag, 'RequirementType') ?? 'RequirementType'];
  const filters = Array.isArray(enabledFor) ? (enabledFor as Record<string, unknown>[]) : [];
  return {
    id,
    enabled: enabledFor === true || filters.length > 0,
    conditions: {
      requirement_type: typeof requirement === 'string' && requirement.toLowerCase() === 'all' ? 'All' : 'Any',
      client_filters: filters.map(modelFilter),
    },
  };
}
