import { describe, expect, it } from 'vitest';
import {
  describeRollout,
  parsePercent,
  rolloutOf,
  withPercentage,
  type FeatureFlag,
} from '../../src/flags/definition.js';

const targeted: FeatureFlag = {
  id: 'F',
  enabled: true,
  description: 'kept',
  conditions: {
    client_filters: [
      {
        name: 'Microsoft.Targeting',
        parameters: {
          Audience: {
            Users: ['ann'],
            Groups: [{ Name: 'beta', RolloutPercentage: 100 }],
            Exclusion: { Users: ['bob'] },
            DefaultRolloutPercentage: 5,
          },
        },
      },
    ],
  },
};

describe('withPercentage', () => {
  it('creates a flag with one Targeting filter', () => {
    expect(withPercentage(undefined, 'New', 10, 'targeting')).toEqual({
      id: 'New',
      enabled: true,
      conditions: {
        requirement_type: 'All',
        client_filters: [{ name: 'Microsoft.Targeting', parameters: { Audience: { DefaultRolloutPercentage: 10 } } }],
      },
    });
  });

  it('changes only DefaultRolloutPercentage, keeping Users, Groups, Exclusion and unknown keys', () => {
    const next = withPercentage(targeted, 'F', 50, 'targeting');
    expect(next).toEqual({
      ...targeted,
      conditions: {
        client_filters: [
          {
            name: 'Microsoft.Targeting',
            parameters: {
              Audience: {
                ...(targeted.conditions!.client_filters![0]!.parameters!.Audience as object),
                DefaultRolloutPercentage: 50,
              },
            },
          },
        ],
      },
    });
    expect(targeted.conditions!.client_filters![0]!.parameters!.Audience).toMatchObject({
      DefaultRolloutPercentage: 5,
    });
  });

  it('0% disables the flag, so even the users the Audience names are off', () => {
    const off = withPercentage(targeted, 'F', 0, 'targeting');
    expect(off.enabled).toBe(false);
    expect(rolloutOf(off)).toEqual({ percent: 0, filter: 'targeting', otherFilters: [] });
    expect(withPercentage(off, 'F', 20, 'targeting').enabled).toBe(true);
  });

  it('percentage writes Microsoft.Percentage with Value, replacing the Targeting filter in place', () => {
    const flag: FeatureFlag = {
      id: 'P',
      enabled: true,
      conditions: {
        requirement_type: 'All',
        client_filters: [
          { name: 'Custom.A' },
          { name: 'Microsoft.Targeting', parameters: { Audience: { DefaultRolloutPercentage: 5 } } },
          { name: 'Custom.B' },
        ],
      },
    };
    expect(withPercentage(flag, 'P', 30, 'percentage').conditions!.client_filters).toEqual([
      { name: 'Custom.A' },
      { name: 'Microsoft.Percentage', parameters: { Value: 30 } },
      { name: 'Custom.B' },
    ]);
  });

  it('refuses a flag with both a Targeting and a Percentage filter rather than drop one', () => {
    const flag: FeatureFlag = {
      id: 'Both',
      enabled: true,
      conditions: {
        requirement_type: 'All',
        client_filters: [
          { name: 'Microsoft.Percentage', parameters: { Value: 10 } },
          { name: 'Microsoft.Targeting', parameters: { Audience: { DefaultRolloutPercentage: 5 } } },
        ],
      },
    };
    expect(() => withPercentage(flag, 'Both', 30, 'percentage')).toThrow(
      /has 2 rollout filters \(Microsoft.Percentage, Microsoft.Targeting\)/,
    );
  });

  it('refuses a flag whose other filters would let everyone in (requirement_type Any)', () => {
    const flag: FeatureFlag = {
      id: 'T',
      enabled: true,
      conditions: {
        client_filters: [{ name: 'Microsoft.TimeWindow', parameters: { Start: 'Mon, 01 Jan 2024 00:00:00 GMT' } }],
      },
    };
    expect(() => withPercentage(flag, 'T', 10, 'targeting')).toThrow(/Microsoft.TimeWindow with requirement_type Any/);
    expect(
      withPercentage({ ...flag, conditions: { ...flag.conditions, requirement_type: 'All' } }, 'T', 10, 'targeting')
        .conditions!.client_filters,
    ).toHaveLength(2);
  });
});

describe('rolloutOf / describeRollout / parsePercent', () => {
  it('reads what a flag does', () => {
    expect(rolloutOf(undefined).percent).toBe(0);
    expect(rolloutOf({ id: 'A', enabled: true }).percent).toBe(100);
    expect(rolloutOf(targeted)).toEqual({ percent: 5, filter: 'targeting', otherFilters: [] });
    expect(
      rolloutOf({
        id: 'P',
        enabled: true,
        conditions: { client_filters: [{ name: 'Microsoft.Percentage', parameters: { Value: 12.5 } }] },
      }).percent,
    ).toBe(12.5);
    expect(describeRollout(targeted)).toBe('5% (targeting, sticky per user)');
    expect(describeRollout({ id: 'A', enabled: false })).toBe('0% (disabled)');
    expect(describeRollout(undefined)).toBe('absent (off for everyone)');
  });

  it('accepts 0–100 with an optional %, refuses the rest with exit 2', () => {
    expect(parsePercent('25')).toBe(25);
    expect(parsePercent('12.5%')).toBe(12.5);
    expect(parsePercent('0')).toBe(0);
    for (const bad of ['101', '-1', 'half', '', '1e2'])
      expect(() => parsePercent(bad)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
