import { ConfigurationObjectFeatureFlagProvider, FeatureManager } from '@microsoft/feature-management';
import { describe, expect, it } from 'vitest';
import { PercentageFilter } from '../../src/app/index.js';
import { seededRandom } from './support.js';

const context = (value: unknown) => ({ featureName: 'F', parameters: { Value: value } });

function share(filter: PercentageFilter, value: unknown, calls = 10_000): number {
  let enabled = 0;
  for (let i = 0; i < calls; i++) if (filter.evaluate(context(value))) enabled++;
  return (enabled / calls) * 100;
}

describe('PercentageFilter (Microsoft.Percentage)', () => {
  it('enables 25% ± 2 of 10,000 calls (seeded), decided per call', () => {
    const measured = share(new PercentageFilter({ random: seededRandom(42) }), 25);
    console.log(`Microsoft.Percentage 25%: ${measured.toFixed(2)}% of 10,000 calls enabled`);
    expect(measured).toBeGreaterThanOrEqual(23);
    expect(measured).toBeLessThanOrEqual(27);
  });

  it('is exact at 0 and 100, whatever the random source says', () => {
    expect(share(new PercentageFilter(), 0)).toBe(0);
    expect(share(new PercentageFilter(), 100)).toBe(100);
    expect(share(new PercentageFilter({ random: () => 0 }), 0)).toBe(0);
    expect(share(new PercentageFilter({ random: () => 0.9999999 }), 100)).toBe(100);
  });

  it("accepts a numeric string and lowercase value; refuses anything else like the library's own filters do", () => {
    const filter = new PercentageFilter({ random: () => 0.5 });
    expect(filter.evaluate(context('60'))).toBe(true);
    expect(filter.evaluate({ featureName: 'F', parameters: { value: 40 } })).toBe(false);
    for (const bad of [undefined, -1, 101, 'ten', null]) {
      expect(() => filter.evaluate(context(bad))).toThrow(
        /Invalid feature flag: F\. Microsoft\.Percentage parameter Value must be a number between 0 and 100/,
      );
    }
  });

  it('plugs into FeatureManager as a custom filter (the library alone has no Microsoft.Percentage)', async () => {
    const provider = new ConfigurationObjectFeatureFlagProvider({
      feature_management: {
        feature_flags: [
          {
            id: 'Half',
            enabled: true,
            conditions: { client_filters: [{ name: 'Microsoft.Percentage', parameters: { Value: 50 } }] },
          },
        ],
      },
    });
    const random = [0.2, 0.7];
    const features = new FeatureManager(provider, {
      customFilters: [new PercentageFilter({ random: () => random.shift()! })],
    });
    expect(await features.isEnabled('Half')).toBe(true);
    expect(await features.isEnabled('Half')).toBe(false);
    const alias = new FeatureManager(
      new ConfigurationObjectFeatureFlagProvider({
        feature_management: {
          feature_flags: [
            {
              id: 'All',
              enabled: true,
              conditions: { client_filters: [{ name: 'Percentage', parameters: { Value: 100 } }] },
            },
          ],
        },
      }),
      { customFilters: [new PercentageFilter({ name: 'Percentage' })] },
    );
    expect(await alias.isEnabled('All')).toBe(true);
  });
});
