/**
 * Feature flags in the Microsoft feature management schema (`@microsoft/feature-management`), and
 * how schemashift writes a rollout percentage into one without disturbing anything else in it.
 */
import { UsageError } from '../errors.js';

export const TARGETING_FILTER = 'Microsoft.Targeting';
export const PERCENTAGE_FILTER = 'Microsoft.Percentage';

export type RolloutFilter = 'targeting' | 'percentage';

/**
 * Set by a store on a flag whose rollout value its app cannot read (a .NET Percentage `Value` of
 * 10.0 or 1e1: .NET binds it to an int and throws): why, for `flags`, `status` and a rollout to say.
 * A symbol, so it never reaches a written file or `--json` definition.
 */
export const UNREADABLE = Symbol('unreadable rollout value');

export function unreadableReason(flag: FeatureFlag | undefined): string | undefined {
  return (flag as { [UNREADABLE]?: string } | undefined)?.[UNREADABLE];
}

export interface ClientFilter {
  name: string;
  parameters?: Record<string, unknown>;
}

/** One entry of `feature_management.feature_flags`; keys schemashift does not know are kept as they are. */
export interface FeatureFlag {
  id: string;
  enabled?: boolean;
  conditions?: { requirement_type?: 'Any' | 'All'; client_filters?: ClientFilter[]; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Rollout {
  /** Share of users (targeting) or calls (percentage) that get the flag; null when other filters decide. */
  percent: number | null;
  filter: RolloutFilter | null;
  /** Client filters that are not schemashift's (Microsoft.TimeWindow, custom ones). */
  otherFilters: string[];
  /** Why the app cannot read the rollout value (then `percent` is null), else absent. */
  unreadable?: string;
}

const FLAG_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export function checkFlagId(id: string): string {
  if (!FLAG_ID.test(id))
    throw new UsageError(
      `\`${id}\` is not a flag name: expected a letter, then letters, digits, _, . or -`,
      'name the flag like UseNewCustomerIdColumn or orders.use-customer-id',
    );
  return id;
}

/** `25`, `25%`, `12.5`: a percentage from 0 to 100, else a UsageError (exit 2). */
export function parsePercent(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = match ? Number(match[1]) : NaN;
  if (!(value >= 0 && value <= 100))
    throw new UsageError(
      `\`${text}\` is not a percentage: expected a number from 0 to 100`,
      'write it like 25 or 25% (0 turns the flag off for everyone, 100 on for everyone)',
    );
  return value;
}

const isOurs = (f: ClientFilter) => f.name === TARGETING_FILTER || f.name === PERCENTAGE_FILTER;
const filterName = (filter: RolloutFilter) => (filter === 'targeting' ? TARGETING_FILTER : PERCENTAGE_FILTER);

function numberAt(parameters: Record<string, unknown> | undefined, ...path: string[]): number | null {
  let value: unknown = parameters;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' ? value : null;
}

/** What a flag currently does, as schemashift sees it. Disabled (or absent) is 0% for everyone. */
export function rolloutOf(flag: FeatureFlag | undefined): Rollout {
  const filters = flag?.conditions?.client_filters ?? [];
  const otherFilters = filters.filter((f) => !isOurs(f)).map((f) => f.name);
  const ours = filters.findLast(isOurs);
  const filter: RolloutFilter | null = ours ? (ours.name === TARGETING_FILTER ? 'targeting' : 'percentage') : null;
  if (flag?.enabled !== true) return { percent: 0, filter, otherFilters };
  if (filters.length === 0) return { percent: 100, filter, otherFilters };
  if (!ours) return { percent: null, filter, otherFilters };
  const unreadable = unreadableReason(flag);
  if (unreadable !== undefined) return { percent: null, filter, otherFilters, unreadable };
  const percent =
    filter === 'targeting'
      ? numberAt(ours.parameters, 'Audience', 'DefaultRolloutPercentage')
      : numberAt(ours.parameters, 'Value');
  return { percent, filter, otherFilters };
}

function rolloutFilter(existing: ClientFilter | undefined, percent: number, filter: RolloutFilter): ClientFilter {
  const name = filterName(filter);
  const same = existing?.name === name ? existing : undefined;
  const parameters = same?.parameters ?? {};
  if (filter === 'percentage') return { ...same, name, parameters: { ...parameters, Value: percent } };
  const audience =
    parameters.Audience !== null && typeof parameters.Audience === 'object'
      ? (parameters.Audience as Record<string, unknown>)
      : {};
  return { ...same, name, parameters: { ...parameters, Audience: { ...audience, DefaultRolloutPercentage: percent } } };
}

/**
 * The flag at `percent`: schemashift's filter (Targeting's Audience.DefaultRolloutPercentage, or
 * Percentage's Value) is updated in place, keeping Users, Groups, Exclusion and every other key.
 * 0% also sets `enabled: false`, so that nobody gets the flag, not even users or groups the
 * Audience names; any other percentage sets `enabled: true`.
 */
export function withPercentage(
  flag: FeatureFlag | undefined,
  id: string,
  percent: number,
  filter: RolloutFilter,
): FeatureFlag {
  const base: FeatureFlag = flag
    ? structuredClone(flag)
    : { id, enabled: false, conditions: { requirement_type: 'All', client_filters: [] } };
  const conditions = base.conditions ?? {};
  const filters = conditions.client_filters ?? [];
  const others = filters.filter((f) => !isOurs(f));
  if (others.length > 0 && (conditions.requirement_type ?? 'Any') === 'Any') {
    throw new UsageError(
      `flag ${id} also has the client filter(s) ${others.map((f) => f.name).join(', ')} with ` +
        `requirement_type Any: a rollout percentage would not limit who gets the flag`,
      'set "requirement_type": "All" on the flag (every filter must pass), or remove the other filters',
    );
  }
  const ours = filters.filter(isOurs);
  if (ours.length > 1)
    throw new UsageError(
      `flag ${id} has ${ours.length} rollout filters (${ours.map((f) => f.name).join(', ')}), which all limit who ` +
        'gets it: schemashift would not know which percentage to change, so nothing was written',
      `remove all but one of them from the flag's client_filters (keep ${ours.at(-1)!.name} to roll out with it)`,
    );
  const at = filters.findLastIndex(isOurs);
  const next = rolloutFilter(filters[at], percent, filter);
  const client_filters =
    at < 0 ? [...filters, next] : filters.flatMap((f, i) => (i === at ? [next] : isOurs(f) ? [] : [f]));
  return { ...base, id, enabled: percent > 0, conditions: { ...conditions, client_filters } };
}

/** `50% (targeting)`, `0% (disabled)`, `on for everyone (no filters)`. */
export function describeRollout(flag: FeatureFlag | undefined): string {
  if (!flag) return 'absent (off for everyone)';
  const r = rolloutOf(flag);
  const others = r.otherFilters.length > 0 ? `, with ${r.otherFilters.join(', ')}` : '';
  if (flag.enabled !== true) return `0% (disabled${others})`;
  if (r.unreadable !== undefined) return `UNREADABLE by .NET: ${r.unreadable}`;
  if (r.percent === null)
    return `on when ${r.otherFilters.join(', ')} ${
      flag.conditions?.requirement_type === 'All' ? 'all pass' : 'any passes'
    }`;
  if (r.filter === null) return '100% (enabled, no filters)';
  return `${r.percent}% (${
    r.filter === 'targeting' ? 'targeting, sticky per user' : 'percentage, random per call'
  }${others})`;
}
