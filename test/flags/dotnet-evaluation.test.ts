/**
 * What a .NET application sees of a rollout in its appsettings.json: the file written by the store,
 * read with comments as .NET reads it, evaluated as Microsoft.FeatureManagement does
 * (test/support/dotnet-feature-evaluator.ts). Targeting is cross-checked user by user against
 * @microsoft/feature-management's own evaluation of the same flag in the Microsoft schema.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationObjectFeatureFlagProvider, FeatureManager } from '@microsoft/feature-management';
import { describe, expect, it } from 'vitest';
import { JsonFileFlagStore } from '../../src/flags/json-file-store.js';
import {
  contextPercentage,
  isEnabledDotnet,
  readDotnetConfig,
  seededRandom,
} from '../support/dotnet-feature-evaluator.js';

const FLAG = 'UseNewCustomerIdColumn';
const SEED = join(import.meta.dirname, '..', 'fixtures', 'flags', 'appsettings.seed.json');
const USERS = Array.from({ length: 10_000 }, (_, i) => `user-${i}@example.com`);

function seedCopy(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'schemashift-dotnet-eval-')), 'appsettings.json');
  copyFileSync(SEED, file);
  return file;
}

const readConfig = (file: string): unknown => readDotnetConfig(readFileSync(file, 'utf8'));

describe('a .NET rollout as Microsoft.FeatureManagement evaluates it', () => {
  it('the context percentage is SHA-256, first 4 bytes little-endian, over uint32 max', () => {
    // `printf 'user-1@example.com\nUseNewCustomerIdColumn' | openssl dgst -sha256` starts ac 36 bc 5f:
    // little-endian 0x5fbc36ac, 37.40 %: this user is in at 50 %, not at 10 %.
    expect(contextPercentage(`user-1@example.com\n${FLAG}`)).toBeCloseTo((0x5fbc36ac / 0xffffffff) * 100, 10);
    const config = (percent: number) => ({
      FeatureManagement: {
        [FLAG]: {
          EnabledFor: [{ Name: 'Targeting', Parameters: { Audience: { DefaultRolloutPercentage: percent } } }],
        },
      },
    });
    expect(isEnabledDotnet(config(10), FLAG, { userId: 'user-1@example.com' }, Math.random)).toBe(false);
    expect(isEnabledDotnet(config(50), FLAG, { userId: 'user-1@example.com' }, Math.random)).toBe(true);
  });

  it('Percentage (random per call): ~10%, ~50%, 100%, then 0% of 20,000 seeded calls', async () => {
    const file = seedCopy();
    const store = new JsonFileFlagStore(file);
    const shares: string[] = [];
    for (const stage of [10, 50, 100, 0]) {
      await store.setPercentage(FLAG, stage, 'percentage', 'test');
      const random = seededRandom(stage + 1);
      const config = readConfig(file);
      let on = 0;
      for (let call = 0; call < 20_000; call++)
        if (isEnabledDotnet(config, FLAG, { userId: 'same-user' }, random)) on++;
      const share = (on / 20_000) * 100;
      shares.push(`${stage}%→${share.toFixed(2)}%`);
      if (stage === 0 || stage === 100) expect(share).toBe(stage);
      else expect(Math.abs(share - stage), `share at ${stage}%`).toBeLessThanOrEqual(1.5);
    }
    console.log(`.NET Percentage filter, 20,000 calls of one user: ${shares.join(', ')}`);
  });

  it('Targeting (sticky per user): 10/50/100% of 10,000 users, nobody dropped, the same users as the JS library', async () => {
    const file = seedCopy();
    const store = new JsonFileFlagStore(file);
    let previous = new Set<string>();
    const shares: string[] = [];
    const never = () => {
      throw new Error('Targeting must not draw random numbers');
    };
    for (const stage of [10, 50, 100]) {
      await store.setPercentage(FLAG, stage, 'targeting', 'test');
      const config = readConfig(file);
      const on = new Set(USERS.filter((userId) => isEnabledDotnet(config, FLAG, { userId }, never)));
      shares.push(`${stage}%→${((on.size / USERS.length) * 100).toFixed(2)}%`);
      expect(Math.abs((on.size / USERS.length) * 100 - stage), `share at ${stage}%`).toBeLessThanOrEqual(2);
      expect([...previous].filter((u) => !on.has(u))).toEqual([]);
      previous = on;

      const asMicrosoftSchema = { feature_management: { feature_flags: [await store.get(FLAG)] } };
      const manager = new FeatureManager(new ConfigurationObjectFeatureFlagProvider(asMicrosoftSchema));
      const library = new Set<string>();
      for (const userId of USERS) if (await manager.isEnabled(FLAG, { userId })) library.add(userId);
      expect(library, `the JS library at ${stage}%`).toEqual(on);
    }
    console.log(`.NET Targeting filter, 10,000 users: ${shares.join(', ')} (identical sets in the JS library)`);
  });

  it('Targeting keeps listed users on and excluded users off at any percentage', () => {
    const config = {
      FeatureManagement: {
        F: {
          enabledFor: [
            {
              name: 'Microsoft.Targeting',
              parameters: {
                audience: { users: ['vip'], exclusion: { users: ['banned'] }, defaultRolloutPercentage: 100 },
              },
            },
          ],
        },
      },
    };
    const never = () => 0;
    expect(isEnabledDotnet(config, 'f', { userId: 'vip' }, never)).toBe(true);
    expect(isEnabledDotnet(config, 'F', { userId: 'banned' }, never)).toBe(false);
    expect(isEnabledDotnet(config, 'F', { userId: 'anyone' }, never)).toBe(true);
  });
});
