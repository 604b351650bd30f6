/**
 * Writes into a .NET `FeatureManagement` section that name no filter: the flag's own, else the one
 * the section uses, else Percentage (Targeting needs `.WithTargeting()` in the app). feature_management
 * ids compared without case in a .NET file. Comments stay where they were; two rollout filters refused.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { JsonFileFlagStore } from '../../src/flags/json-file-store.js';

function fileWith(text: string, name = 'appsettings.json'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'schemashift-dotnet-defaults-')), name);
  writeFileSync(file, text);
  return file;
}

const read = (file: string) => readFileSync(file, 'utf8');

describe('the rollout filter a .NET file gets when none is named', () => {
  it('a true/false flag and a new flag get Percentage when the section uses no rollout filter', async () => {
    const file = fileWith('{ "FeatureManagement": { "On": true, "Off": false } }\n');
    const store = new JsonFileFlagStore(file);
    await store.setPercentage('Off', 30, undefined, 't');
    await store.setPercentage('New', 40, undefined, 't');
    expect(JSON.parse(read(file))).toEqual({
      FeatureManagement: {
        On: true,
        Off: { EnabledFor: [{ Name: 'Microsoft.Percentage', Parameters: { Value: 30 } }] },
        New: { EnabledFor: [{ Name: 'Microsoft.Percentage', Parameters: { Value: 40 } }] },
      },
    });
  });

  it('the filter the section already uses (Targeting), or the one the command names', async () => {
    const text =
      '{ "FeatureManagement": { "T": { "EnabledFor": [ { "Name": "Targeting", "Parameters": { "Audience": { "DefaultRolloutPercentage": 5 } } } ] }, "Off": false } }\n';
    const file = fileWith(text);
    const store = new JsonFileFlagStore(file);
    await store.setPercentage('Off', 30, undefined, 't');
    await store.setPercentage('Named', 20, 'percentage', 't');
    const doc = JSON.parse(read(file)) as { FeatureManagement: Record<string, unknown> };
    expect(doc.FeatureManagement.Off).toEqual({
      EnabledFor: [{ Name: 'Targeting', Parameters: { Audience: { DefaultRolloutPercentage: 30 } } }],
    });
    expect(doc.FeatureManagement.Named).toEqual({ EnabledFor: [{ Name: 'Percentage', Parameters: { Value: 20 } }] });
  });

  it('the Microsoft schema keeps Targeting as its default', async () => {
    const file = fileWith('{ "feature_management": { "feature_flags": [] } }\n', 'flags.json');
    await new JsonFileFlagStore(file).setPercentage('A', 10, undefined, 't');
    expect(read(file)).toContain('"name": "Microsoft.Targeting"');
  });
});

describe('feature_management ids in a .NET file', () => {
  it('`beta` edits the entry `Beta` (as .NET compares names) instead of appending a second one', async () => {
    const text = '{ "feature_management": { "feature_flags": [ { "id": "Beta", "enabled": false } ] } }\n';
    const file = fileWith(text);
    const store = new JsonFileFlagStore(file);
    expect((await store.get('beta'))?.id).toBe('Beta');
    await store.setPercentage('beta', 50, undefined, 't');
    const doc = JSON.parse(read(file)) as { feature_management: { feature_flags: { id: string; enabled: boolean }[] } };
    expect(doc.feature_management.feature_flags.map((f) => [f.id, f.enabled])).toEqual([['Beta', true]]);
  });
});

describe('comments around an edit stay where they are', () => {
  it('a new flag into a section holding only a comment keeps the comment, before the flag', async () => {
    const text = '{\n  "FeatureManagement": {\n    // flags go here\n  }\n}\n';
    const file = fileWith(text);
    await new JsonFileFlagStore(file).setPercentage('New', 10, undefined, 't');
    expect(read(file)).toBe(
      '{\n  "FeatureManagement": {\n    // flags go here\n    "New": {\n      "EnabledFor": [\n        {\n' +
        '          "Name": "Microsoft.Percentage",\n          "Parameters": {\n            "Value": 10\n' +
        '          }\n        }\n      ]\n    }\n  }\n}\n',
    );
  });

  it('a block comment after the last flag stays with that flag', async () => {
    const text = '{\n  "FeatureManagement": {\n    "G": false /* g */,\n  }\n}\n';
    const file = fileWith(text);
    await new JsonFileFlagStore(file).setPercentage('H', 10, undefined, 't');
    const written = read(file);
    expect(written.startsWith('{\n  "FeatureManagement": {\n    "G": false /* g */,\n    "H": {\n')).toBe(true);
    expect(written.endsWith('\n    },\n  }\n}\n')).toBe(true);
    expect(written.match(/\/\* g \*\//g)).toHaveLength(1);
    const noComma = fileWith('{\n  "FeatureManagement": {\n    "G": false /* g */\n  }\n}\n');
    await new JsonFileFlagStore(noComma).setPercentage('H', 10, undefined, 't');
    expect(read(noComma).startsWith('{\n  "FeatureManagement": {\n    "G": false, /* g */\n    "H": {\n')).toBe(true);
  });

  it('RequirementType All with both a Percentage and a Targeting filter: refused, naming them, file untouched', async () => {
    const text = `{ "FeatureManagement": { "F": { "RequirementType": "All", "EnabledFor": [
      { "Name": "Percentage", "Parameters": { "Value": 10 } }, // per call
      { "Name": "Targeting", "Parameters": { "Audience": { "DefaultRolloutPercentage": 20 } } } // per user
    ] } } }
`;
    const file = fileWith(text);
    const refused = await new JsonFileFlagStore(file).setPercentage('F', 50, undefined, 't').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as UsageError).message).toContain('has 2 rollout filters (Percentage, Targeting)');
    expect((refused as UsageError).hint).toContain('remove all but one of them');
    expect(read(file)).toBe(text);
  });
});
