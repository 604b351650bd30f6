/**
 * How Microsoft.FeatureManagement (.NET, 4.x) decides a flag of the `FeatureManagement` section, for
 * the filters schemashift writes, re-implemented from its source for tests:
 * - `true`/`false`, or `EnabledFor: true|false`: on/off for everyone; no filters: off.
 * - RequirementType Any (default): on when a filter passes; All: when every filter does.
 * - Percentage (PercentageFilter): on when `random() * 100 < Value`: per evaluation, not sticky.
 * - Targeting (ContextualTargetingFilter → TargetingEvaluator.IsTargeted): excluded users/groups are
 *   off; listed users are on; a group is on when the user's `${userId}\n${feature}\n${group}` falls
 *   below its RolloutPercentage; otherwise `${userId}\n${feature}` below DefaultRolloutPercentage,
 *   where a context id's percentage is the first 4 bytes of its SHA-256 (UTF-8), read as a
 *   little-endian uint32, / uint.MaxValue * 100; a bound of exactly 100 takes everyone.
 * Keys and filter names are compared without case, as the configuration binder and the filter
 * alias lookup do (`Percentage` also matches `Microsoft.Percentage`).
 * Values are bound as .NET binds them: configuration holds every number as its JSON text (see
 * readDotnetConfig); Percentage's `Value` is an int (PercentageFilterSettings.Value), so 10.0, 1e1 or
 * 12.5 throw, as they do in .NET; Targeting's percentages are doubles.
 */
import { createHash } from 'node:crypto';
import { parseTree, type Node } from 'jsonc-parser';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function at(object: unknown, key: string): unknown {
  if (!isObject(object)) return undefined;
  const found = Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : object[found];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function configValue(text: string, node: Node): unknown {
  if (node.type === 'object')
    return Object.fromEntries(
      (node.children ?? []).map((p) => [String(p.children![0]!.value), configValue(text, p.children![1]!)]),
    );
  if (node.type === 'array') return (node.children ?? []).map((c) => configValue(text, c));
  // JsonConfigurationFileParser keeps a number as its text: 10.0 stays "10.0" for the binder.
  if (node.type === 'number') return text.slice(node.offset, node.offset + node.length);
  return node.value as unknown;
}

/** An appsettings.json text (comments, trailing commas, a BOM allowed) as .NET configuration holds it. */
export function readDotnetConfig(text: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const root = parseTree(body, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) throw new Error('not JSON');
  return configValue(body, root);
}

/** The binder's int conversion (Int32Converter, invariant culture): a whole number or its text, else it throws. */
export function bindInt(value: unknown, what: string): number {
  if (value === undefined) return -1; // PercentageFilterSettings.Value's default
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  throw new Error(
    `InvalidOperationException: Failed to convert configuration value '${JSON.stringify(value)}' at ${what} to type 'System.Int32'`,
  );
}

/** The context id's place in [0, 100], as TargetingEvaluator computes it. */
export function contextPercentage(contextId: string): number {
  const marker = createHash('sha256').update(contextId, 'utf8').digest().readUInt32LE(0);
  return (marker / 0xffffffff) * 100;
}

function inBucket(contextId: string, to: number): boolean {
  return to === 100 ? contextPercentage(contextId) >= 0 : contextPercentage(contextId) < to;
}

export interface TargetingContext {
  userId: string;
  groups?: string[];
}

function isTargeted(feature: string, parameters: unknown, user: TargetingContext): boolean {
  const audience = at(parameters, 'Audience');
  const exclusion = at(audience, 'Exclusion');
  const groups = user.groups ?? [];
  if (strings(at(exclusion, 'Users')).includes(user.userId)) return false;
  if (strings(at(exclusion, 'Groups')).some((g) => groups.includes(g))) return false;
  if (strings(at(audience, 'Users')).includes(user.userId)) return true;
  for (const rollout of (at(audience, 'Groups') as unknown[] | undefined) ?? []) {
    const name = String(at(rollout, 'Name'));
    if (
      groups.includes(name) &&
      inBucket(`${user.userId}\n${feature}\n${name}`, Number(at(rollout, 'RolloutPercentage')))
    )
      return true;
  }
  return inBucket(`${user.userId}\n${feature}`, Number(at(audience, 'DefaultRolloutPercentage') ?? 0));
}

function passes(feature: string, filter: unknown, user: TargetingContext, random: () => number): boolean {
  const name = String(at(filter, 'Name'));
  const parameters = at(filter, 'Parameters');
  if (/^(microsoft\.)?percentage$/i.test(name)) {
    const value = bindInt(at(parameters, 'Value'), `${feature}:EnabledFor:Parameters:Value`);
    return value >= 0 && random() * 100 < value;
  }
  if (/^(microsoft\.)?targeting$/i.test(name)) return isTargeted(feature, parameters, user);
  throw new Error(`the test evaluator does not model the filter ${name}`);
}

/** Is `feature` on for `user` in the appsettings document `config`? `random`: [0, 1), as Random.NextDouble. */
export function isEnabledDotnet(
  config: unknown,
  feature: string,
  user: TargetingContext,
  random: () => number,
): boolean {
  const section = at(config, 'FeatureManagement');
  const key = isObject(section)
    ? Object.keys(section).find((k) => k.toLowerCase() === feature.toLowerCase())
    : undefined;
  if (key === undefined) return false;
  const flag = (section as Json)[key];
  const onOff = typeof flag === 'boolean' ? flag : at(flag, 'EnabledFor');
  if (typeof onOff === 'boolean') return onOff;
  const filters = Array.isArray(onOff) ? onOff : [];
  if (filters.length === 0) return false;
  const requirement = at(flag, 'RequirementType');
  const all = typeof requirement === 'string' && requirement.toLowerCase() === 'all';
  // The feature name in hashes is the key as configuration holds it.
  const check = (f: unknown) => passes(key, f, user, random);
  return all ? filters.every(check) : filters.some(check);
}

/** A seeded PRNG (mulberry32): the same sequence on every run, so a statistical check cannot flake. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
