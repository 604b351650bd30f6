/**
 * A rollout percentage written into a .NET `FeatureManagement` flag, the way a .NET developer would
 * write it by hand: the Percentage filter's `Value` or the Targeting filter's
 * `Audience.DefaultRolloutPercentage` changes in place (Users, Groups, Exclusion, other filters and
 * keys are kept, in the file's own spelling). A `true`/`false` flag stays `false` at 0 % and `true`
 * at 100 %, and between them becomes `{ "EnabledFor": [ the filter ] }`.
 */
import { UsageError } from '../errors.js';
import { PERCENTAGE_FILTER, TARGETING_FILTER, type RolloutFilter } from './definition.js';
import { isObject, rolloutFilterOf, type DotnetFlag, type DotnetSection } from './dotnet-section.js';
import { keyOf } from './jsonc-document.js';

type Json = Record<string, unknown>;

function filterName(section: DotnetSection, filter: RolloutFilter, bare: boolean): string {
  const name = filter === 'percentage' ? PERCENTAGE_FILTER : TARGETING_FILTER;
  return bare ? name.replace(/^Microsoft\./, '') : name;
}

function newFilter(section: DotnetSection, filter: RolloutFilter, percent: number, bare: boolean): Json {
  const s = section.spell;
  const parameters =
    filter === 'percentage'
      ? { [s('Value')]: percent }
      : { [s('Audience')]: { [s('DefaultRolloutPercentage')]: percent } };
  return { [s('Name')]: filterName(section, filter, bare), [s('Parameters')]: parameters };
}

/** `object[key]` (found without case, else spelled as the section spells it) set to `value`, in a copy. */
function withKey(section: DotnetSection, object: Json, key: string, value: unknown): Json {
  return { ...object, [keyOf(object, key) ?? section.spell(key)]: value };
}

/** The number written as the file wrote the old one: "10" stays a string, as the configuration binder reads both. */
function sameType(old: unknown, percent: number): number | string {
  return typeof old === 'string' ? String(percent) : percent;
}

/** The same filter at `percent`; a filter of the other kind becomes the asked one, keeping the file's key spelling. */
function updatedFilter(section: DotnetSection, old: Json, filter: RolloutFilter, percent: number): Json {
  const nameKey = keyOf(old, 'Name')!;
  const bare = !String(old[nameKey]).includes('.');
  if (rolloutFilterOf(old) !== filter) {
    const fresh = newFilter(section, filter, percent, bare);
    const parametersKey = keyOf(old, 'Parameters') ?? section.spell('Parameters');
    return { [nameKey]: fresh[section.spell('Name')], [parametersKey]: fresh[section.spell('Parameters')] };
  }
  const parametersKey = keyOf(old, 'Parameters');
  const parameters = parametersKey && isObject(old[parametersKey]) ? (old[parametersKey] as Json) : {};
  let next: Json;
  if (filter === 'percentage') {
    next = withKey(section, parameters, 'Value', sameType(parameters[keyOf(parameters, 'Value') ?? ''], percent));
  } else {
    const audienceKey = keyOf(parameters, 'Audience');
    const audience = audienceKey && isObject(parameters[audienceKey]) ? (parameters[audienceKey] as Json) : {};
    const old = audience[keyOf(audience, 'DefaultRolloutPercentage') ?? ''];
    next = withKey(
      section,
      parameters,
      'Audience',
      withKey(section, audience, 'DefaultRolloutPercentage', sameType(old, percent)),
    );
  }
  return withKey(section, old, 'Parameters', next);
}

function checkRequirement(id: string, flag: Json, others: unknown[]): void {
  const requirement = flag[keyOf(flag, 'RequirementType') ?? ''];
  if (others.length === 0 || (typeof requirement === 'string' && requirement.toLowerCase() === 'all')) return;
  const names = others.map((f) => String((f as Json)[keyOf(f as Json, 'Name')!])).join(', ');
  throw new UsageError(
    `flag ${id} also has the filter(s) ${names} and RequirementType Any (the default): .NET turns the flag on ` +
      'when any filter passes, so a rollout percentage would not limit who gets it',
    'add "RequirementType": "All" to the flag (every filter must pass), or remove the other filters',
  );
}

/** With RequirementType All, a Percentage and a Targeting filter both limit the flag: which one to change is a guess. */
function checkOneRolloutFilter(id: string, filters: Json[]): void {
  const ours = filters.filter((f) => rolloutFilterOf(f) !== null);
  if (ours.length < 2) return;
  const names = ours.map((f) => String(f[keyOf(f, 'Name')!]));
  throw new UsageError(
    `flag ${id} has ${ours.length} rollout filters (${names.join(', ')}), which all limit who gets it: ` +
      'schemashift would not know which percentage to change, so nothing was written',
    `remove all but one of them from the flag's EnabledFor (keep ${names.at(-1)} to roll out with it), then run again`,
  );
}

/** A flag with filters (`{ "EnabledFor": [ ... ] }`) at `percent`. */
function withFilters(section: DotnetSection, id: string, flag: Json, percent: number, filter: RolloutFilter): Json {
  const enabledForKey = keyOf(flag, 'EnabledFor');
  const filters = enabledForKey && Array.isArray(flag[enabledForKey]) ? (flag[enabledForKey] as Json[]) : [];
  if (filters.length === 0 && percent === 0) return flag;
  checkOneRolloutFilter(id, filters);
  checkRequirement(
    id,
    flag,
    filters.filter((f) => rolloutFilterOf(f) === null),
  );
  const at = filters.findLastIndex((f) => rolloutFilterOf(f) !== null);
  const next =
    at < 0
      ? newFilter(section, filter, percent, section.bareFilterNames)
      : updatedFilter(section, filters[at]!, filter, percent);
  const enabledFor =
    at < 0 ? [...filters, next] : filters.flatMap((f, i) => (i === at ? [next] : rolloutFilterOf(f) ? [] : [f]));
  return withKey(section, flag, 'EnabledFor', enabledFor);
}

/**
 * The .NET flag `current` (undefined: absent) at `percent` with `filter`. A new flag gets
 * `{ "EnabledFor": [ the filter ] }` (at any percentage, so that its filter is remembered).
 */
export function dotnetWithPercentage(
  section: DotnetSection,
  id: string,
  current: DotnetFlag | undefined,
  percent: number,
  filter: RolloutFilter,
): DotnetFlag {
  const filters = () => [newFilter(section, filter, percent, section.bareFilterNames)];
  if (current === undefined) return { [section.spell('EnabledFor')]: filters() };
  const whole = percent === 0 ? false : percent === 100 ? true : undefined;
  if (typeof current === 'boolean') return whole ?? { [section.spell('EnabledFor')]: filters() };
  if (typeof current[keyOf(current, 'EnabledFor') ?? ''] === 'boolean')
    return withKey(section, current, 'EnabledFor', whole ?? filters());
  return withFilters(section, id, current, percent, filter);
}
