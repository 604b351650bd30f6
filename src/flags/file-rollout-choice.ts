/**
 * Which rollout filter a flags-file write uses when the plan or command names none, and the checks
 * a .NET app needs: each format picks its own default, so a .NET app that never called
 * `.WithTargeting()` is not given a Targeting filter it would never evaluate.
 */
import { basename } from 'node:path';
import type { RolloutFilter } from './definition.js';
import { isObject, rolloutFilterOf, type DotnetFlag, type DotnetSection } from './dotnet-section.js';
import { keyOf } from './jsonc-document.js';

/** A file a .NET app reads: it has a `FeatureManagement` section, or is named appsettings*.json. */
export function isDotnetFile(file: string, hasDotnetSection: boolean): boolean {
  return hasDotnetSection || /^appsettings(\..*)?\.json$/i.test(basename(file));
}

function rolloutFiltersOf(flag: DotnetFlag | undefined): RolloutFilter[] {
  if (!isObject(flag)) return [];
  const enabledFor = flag[keyOf(flag, 'EnabledFor') ?? 'EnabledFor'];
  return Array.isArray(enabledFor) ? enabledFor.map(rolloutFilterOf).filter((f) => f !== null) : [];
}

/**
 * In a .NET section: the flag's own rollout filter, else the one the section's other flags use
 * (Targeting only where it is the more used), else Percentage, which needs no `.WithTargeting()`.
 */
export function dotnetDefaultFilter(section: DotnetSection, current: DotnetFlag | undefined): RolloutFilter {
  const own = rolloutFiltersOf(current).at(-1);
  if (own) return own;
  const used = Object.values(section.flags).flatMap(rolloutFiltersOf);
  const targeting = used.filter((f) => f === 'targeting').length;
  return targeting > used.length - targeting ? 'targeting' : 'percentage';
}
