/**
 * Turns one schemashift.feature_flags row into the library's FeatureFlag, checked the way
 * FeatureManager checks flags when it evaluates them: a malformed flag found here is reported
 * once per refresh instead of throwing inside every isEnabled call.
 */
import type { IFeatureFlagProvider } from '@microsoft/feature-management';

/** The library's flag object (its type is not exported by name). */
export type FeatureFlag = NonNullable<Awaited<ReturnType<IFeatureFlagProvider['getFeatureFlag']>>>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function conditionsProblem(conditions: unknown): string | undefined {
  if (!isObject(conditions)) return '`conditions` must be an object';
  const { requirement_type: requirement, client_filters: filters } = conditions;
  if (requirement !== undefined && requirement !== 'Any' && requirement !== 'All')
    return '`requirement_type` must be "Any" or "All"';
  if (filters === undefined) return undefined;
  if (!Array.isArray(filters)) return '`client_filters` must be an array';
  for (const filter of filters) {
    if (!isObject(filter) || typeof filter.name !== 'string') return 'every client filter needs a string `name`';
    if (filter.parameters !== undefined && !isObject(filter.parameters))
      return `filter ${filter.name}: \`parameters\` must be an object`;
  }
  return undefined;
}

function definitionProblem(definition: Record<string, unknown>): string | undefined {
  if (definition.enabled !== undefined && typeof definition.enabled !== 'boolean')
    return '`enabled` must be true or false';
  const conditions = definition.conditions === undefined ? undefined : conditionsProblem(definition.conditions);
  if (conditions) return conditions;
  if (definition.variants !== undefined && !Array.isArray(definition.variants)) return '`variants` must be an array';
  if (definition.allocation !== undefined && !isObject(definition.allocation)) return '`allocation` must be an object';
  return undefined;
}

/** The row's `id` is the flag's id (it is the table's key); `definition` may be jsonb or JSON text. */
export function toFeatureFlag(id: string, definition: unknown): FeatureFlag {
  let value = definition;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new TypeError(`feature flag ${id}: definition is not JSON`);
    }
  }
  if (!isObject(value))
    throw new TypeError(
      `feature flag ${id}: definition must be a JSON object (the flag object of the Microsoft feature ` +
        `management schema)`,
    );
  const problem = definitionProblem(value);
  if (problem) throw new TypeError(`feature flag ${id}: ${problem}`);
  return { ...value, id };
}
