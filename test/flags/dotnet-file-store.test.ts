/**
 * JsonFileFlagStore on .NET appsettings.json files (the `FeatureManagement` section), on files with
 * both sections, and on Microsoft-schema files with comments: what it reads, and that a write
 * changes only the values it must (byte comparison against a text computed by hand).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { describeRollout, rolloutOf, type FeatureFlag } from '../../src/flags/definition.js';
import { JsonFileFlagStore } from '../../src/flags/json-file-store.js';

const SEED = join(import.meta.dirname, '..', 'fixtures', 'flags', 'appsettings.seed.json');
const SEED_TEXT = readFileSync(SEED, 'utf8');

function fileWith(text: string, name = 'appsettings.json'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'schemashift-dotnet-')), name);
  writeFileSync(file, text);
  return file;
}

const seedCopy = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'schemashift-dotnet-')), 'appsettings.json');
  copyFileSync(SEED, file);
  return file;
};

const read = (file: string) => readFileSync(file, 'utf8');

describe('the .NET FeatureManagement section', () => {
  it('reads the seed: Percentage 10, random per call; Logging and ConnectionStrings are not flags', async () => {
    const store = new JsonFileFlagStore(seedCopy());
    const flags = await store.list();
    expect(flags.map((f) => f.id)).toEqual(['UseNewCustomerIdColumn']);
    expect(rolloutOf(flags[0])).toEqual({ percent: 10, filter: 'percentage', otherFilters: [] });
    expect(describeRollout(await store.get('usenewcustomeridcolumn'))).toBe('10% (percentage, random per call)');
  });

  it('a percentage rollout changes only the number; the comment after it and every other byte stay', async () => {
    const file = seedCopy();
    const store = new JsonFileFlagStore(file);
    for (const percent of [25, 100, 0]) {
      const change = await store.setPercentage('UseNewCustomerIdColumn', percent, 'percentage', 'test');
      expect(read(file)).toBe(SEED_TEXT.replace('"Value": 10 //', `"Value": ${percent} //`));
      expect(rolloutOf(change.after).percent).toBe(percent);
    }
  });

  it('asked for targeting, the Percentage filter becomes Targeting (bare name, as the file writes it)', async () => {
    const file = seedCopy();
    await new JsonFileFlagStore(file).setPercentage('UseNewCustomerIdColumn', 30, 'targeting', 'test');
    const text = read(file);
    expect(text.slice(0, text.indexOf('"Name"'))).toBe(SEED_TEXT.slice(0, SEED_TEXT.indexOf('"Name"')));
    expect(text).toContain('"Name": "Targeting"');
    expect(text).toContain('"DefaultRolloutPercentage": 30');
    expect(text).not.toContain('"Value"');
    expect(rolloutOf(await new JsonFileFlagStore(file).get('UseNewCustomerIdColumn'))).toMatchObject({
      percent: 30,
      filter: 'targeting',
    });
  });

  const ON_OFF = [
    '{',
    '\t"Logging": { "LogLevel": { "Default": "Warning" } },',
    '\t"FeatureManagement": {',
    '\t\t"FlagA": true, // always on',
    '\t\t"FlagB": false,',
    '\t},',
    '}',
    '',
  ].join('\n');

  it('true/false flags: 100% and 0%; 0 and 100 keep them true/false, a share in between adds the filter', async () => {
    const file = fileWith(ON_OFF);
    const store = new JsonFileFlagStore(file);
    expect((await store.list()).map((f) => [f.id, rolloutOf(f).percent])).toEqual([
      ['FlagA', 100],
      ['FlagB', 0],
    ]);
    await store.setPercentage('FlagA', 100, 'targeting', 'test');
    await store.setPercentage('FlagB', 0, 'targeting', 'test');
    expect(read(file)).toBe(ON_OFF);
    await store.setPercentage('FlagA', 0, 'targeting', 'test');
    expect(read(file)).toBe(ON_OFF.replace('"FlagA": true,', '"FlagA": false,'));
    await store.setPercentage('FlagB', 20, 'percentage', 'test');
    const flagB = [
      '"FlagB": {',
      '\t\t\t"EnabledFor": [',
      '\t\t\t\t{',
      '\t\t\t\t\t"Name": "Microsoft.Percentage",',
      '\t\t\t\t\t"Parameters": {',
      '\t\t\t\t\t\t"Value": 20',
      '\t\t\t\t\t}',
      '\t\t\t\t}',
      '\t\t\t]',
      '\t\t},',
    ].join('\n');
    expect(read(file)).toBe(ON_OFF.replace('"FlagA": true,', '"FlagA": false,').replace('"FlagB": false,', flagB));
  });

  const CAMEL = `{
  "featureManagement": {
    "Orders.NewPath": {
      "requirementType": "all",
      "enabledFor": [
        { "name": "TimeWindow", "parameters": { "Start": "Mon, 01 Jan 2026 00:00:00 GMT" } },
        {
          "name": "Microsoft.Targeting",
          "parameters": {
            "audience": {
              "users": [ "ann" ],
              "groups": [ { "name": "beta", "rolloutPercentage": 100 } ],
              "exclusion": { "users": [ "bob" ] },
              "defaultRolloutPercentage": "5"
            }
          }
        }
      ]
    },
    "Loose": { "EnabledFor": [ { "Name": "TimeWindow" }, { "Name": "Percentage", "Parameters": { "Value": 1 } } ] }
  }
}
`;

  it('reads keys without case and writes them as the file spells them; other filters and the audience stay', async () => {
    const file = fileWith(CAMEL);
    const store = new JsonFileFlagStore(file);
    const flag = await store.get('orders.newpath');
    expect(rolloutOf(flag)).toEqual({ percent: 5, filter: 'targeting', otherFilters: ['TimeWindow'] });
    await store.setPercentage('Orders.NewPath', 40, 'targeting', 'test');
    const at40 = CAMEL.replace('"defaultRolloutPercentage": "5"', '"defaultRolloutPercentage": "40"');
    expect(read(file)).toBe(at40);
    await store.setPercentage('Brand.New', 10, 'targeting', 'test');
    const added = JSON.parse(read(file)) as { featureManagement: Record<string, unknown> };
    expect(added.featureManagement['Brand.New']).toEqual({
      enabledFor: [{ name: 'Microsoft.Targeting', parameters: { audience: { defaultRolloutPercentage: 10 } } }],
    });
    const end = at40.lastIndexOf('\n  }\n}');
    expect(read(file).slice(0, end)).toBe(at40.slice(0, end));
    expect(read(file).slice(end)).toMatch(/^,\n {4}"Brand\.New": \{\n {6}"enabledFor": \[\n/);
    expect(read(file).endsWith(at40.slice(end))).toBe(true);
  });

  it('refuses a share when another filter would let everyone in (RequirementType Any), file untouched', async () => {
    const file = fileWith(CAMEL);
    await expect(new JsonFileFlagStore(file).setPercentage('Loose', 20, 'percentage', 't')).rejects.toThrow(
      /flag Loose also has the filter\(s\) TimeWindow and RequirementType Any/,
    );
    expect(read(file)).toBe(CAMEL);
  });
});

describe('a file with both sections', () => {
  const BOTH = `{
  "FeatureManagement": { "Shared": true, "DotnetOnly": { "EnabledFor": [ { "Name": "Percentage", "Parameters": { "Value": 5 } } ] } },
  "feature_management": { "feature_flags": [ { "id": "Shared", "enabled": false } ] }
}
`;

  it('feature_management wins for the flags it declares (as .NET reads it); the others come from FeatureManagement', async () => {
    const store = new JsonFileFlagStore(fileWith(BOTH));
    expect((await store.list()).map((f) => [f.id, rolloutOf(f).percent])).toEqual([
      ['Shared', 0],
      ['DotnetOnly', 5],
    ]);
  });

  it('writes each flag where .NET reads it; a new flag goes to feature_management', async () => {
    const file = fileWith(BOTH);
    const store = new JsonFileFlagStore(file);
    await store.setPercentage('DotnetOnly', 50, 'percentage', 't');
    expect(read(file)).toBe(BOTH.replace('"Value": 5', '"Value": 50'));
    await store.setPercentage('Fresh', 10, 'targeting', 't');
    const doc = JSON.parse(read(file)) as { feature_management: { feature_flags: { id: string }[] } };
    expect(doc.feature_management.feature_flags.map((f) => f.id)).toEqual(['Shared', 'Fresh']);
    // .NET compares flag names without case: `shared` is the feature_management entry `Shared`, not a new one.
    await store.setPercentage('shared', 10, 'targeting', 't');
    const after = JSON.parse(read(file)) as { feature_management: { feature_flags: FeatureFlag[] } };
    expect(after.feature_management.feature_flags.map((f) => f.id)).toEqual(['Shared', 'Fresh']);
    expect(rolloutOf(after.feature_management.feature_flags[0]).percent).toBe(10);
    expect((await store.get('SHARED'))?.id).toBe('Shared');
  });
});

describe('the Microsoft schema with comments', () => {
  const COMMENTED = `{
  // flags for the orders service
  "feature_management": {
    "feature_flags": [
      {
        "id": "X",
        "enabled": true,
        "conditions": { "client_filters": [ { "name": "Microsoft.Percentage", "parameters": { "Value": 5 /* five */ } } ] },
      },
    ],
  },
}
`;

  it('changes only the number, keeping comments and trailing commas', async () => {
    const file = fileWith(COMMENTED, 'flags.json');
    await new JsonFileFlagStore(file).setPercentage('X', 15, 'percentage', 't');
    expect(read(file)).toBe(COMMENTED.replace('"Value": 5 /*', '"Value": 15 /*'));
  });

  it('appends a new flag after the last one, keeping the comment', async () => {
    const file = fileWith(COMMENTED, 'flags.json');
    await new JsonFileFlagStore(file).setPercentage('Y', 10, 'targeting', 't');
    const text = read(file);
    expect(text.slice(0, text.indexOf('"id": "Y"'))).toContain('// flags for the orders service');
    expect((await new JsonFileFlagStore(file).list()).map((f) => [f.id, rolloutOf(f).percent])).toEqual([
      ['X', 5],
      ['Y', 10],
    ]);
  });
});

describe('hostile files: a clear UsageError, the file untouched', () => {
  const cases: [string, string, RegExp][] = [
    ['invalid JSON', '{\n  "FeatureManagement": {\n    "A": tru\n  }\n}\n', /not valid JSON at line 3, column 10/],
    [
      'FeatureManagement not an object',
      '{ "FeatureManagement": [ "A" ] }',
      /"FeatureManagement" is \["A"\] \(an array\)/,
    ],
    [
      'a flag that is a number',
      '{ "FeatureManagement": { "A": 10 } }',
      /flag A in FeatureManagement is 10 \(a number\)/,
    ],
    ['keys that differ only in case', '{ "FeatureManagement": { "A": true, "a": false } }', /the key "a" twice/],
    ['a duplicate key', '{ "feature_management": { "feature_flags": [] }, "feature_management": {} }', /twice/],
    ['a filter without a name', '{ "FeatureManagement": { "A": { "EnabledFor": [ {} ] } } }', /has no "Name"/],
    ['a bad RequirementType', '{ "FeatureManagement": { "A": { "RequirementType": "Most" } } }', /"Any" or "All"/],
  ];
  it.each(cases)('%s', async (_name, text, message) => {
    const file = fileWith(text);
    const store = new JsonFileFlagStore(file);
    for (const attempt of [() => store.list(), () => store.setPercentage('A', 10, 'targeting', 't')]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(file);
    }
    expect(read(file)).toBe(text);
  });
});
