/**
 * `Microsoft.Percentage`, the filter .NET's Microsoft.FeatureManagement has and the JavaScript
 * library lacks: enabled for `parameters.Value` percent of calls, decided afresh on every call (not
 * sticky per user; use Microsoft.Targeting for that). Without it a flag using this filter is off for
 * everyone. Register it: `new FeatureManager(provider, { customFilters: [new PercentageFilter()] })`.
 */
import type { IFeatureFilter, IFeatureFilterEvaluationContext } from '@microsoft/feature-management';

export interface PercentageFilterOptions {
  /** A number in [0, 1), like Math.random (the default); pass a seeded one in tests. */
  random?: () => number;
  /** Default `Microsoft.Percentage`; .NET also accepts the alias `Percentage`. */
  name?: string;
}

function percentageOf(context: IFeatureFilterEvaluationContext): number {
  const parameters = (context.parameters ?? {}) as Record<string, unknown>;
  const raw = parameters.Value ?? parameters.value;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new RangeError(
      `Invalid feature flag: ${context.featureName}. Microsoft.Percentage parameter Value must be a number ` +
        `between 0 and 100, got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

export class PercentageFilter implements IFeatureFilter {
  readonly name: string;
  readonly #random: () => number;

  constructor(options: PercentageFilterOptions = {}) {
    this.name = options.name ?? 'Microsoft.Percentage';
    this.#random = options.random ?? Math.random;
  }

  evaluate(context: IFeatureFilterEvaluationContext): boolean {
    const value = percentageOf(context);
    if (value === 0) return false;
    if (value === 100) return true;
    return this.#random() * 100 < value;
  }
}
