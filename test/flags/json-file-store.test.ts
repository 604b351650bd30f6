import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { JsonFileFlagStore } from '../../src/flags/json-file-store.js';
import { parseFlagsJson } from '../support/flags-json.js';

// Odd on purpose: CRLF, tabs and spaces mixed, `" :"`, one-line and multi-line flags, 1e3, keys no schema knows.
const ODD = [
  '{"$schema":"https://example.com/flags.schema.json",   "x-owner" : "team-orders",',
  '\t"feature_management" :{',
  '\t  "feature_flags":[',
  '\t\t{"id":"Alpha","enabled":true,"description":"untouched \\u00e9","conditions":{"client_filters":[]}},',
  '\t{',
  '\t    "id": "Rollout",',
  '\t    "enabled" : false,',
  '\t    "x-note": "keep me",',
  '\t    "conditions": {',
  '\t        "requirement_type": "All",',
  '\t        "client_filters": [',
  '\t            { "name": "Microsoft.Targeting", "parameters": { "Audience": { "Users": ["ann"], "Groups": [], "DefaultRolloutPercentage": 0 } } }',
  '\t        ]',
  '\t    }',
  '\t},',
  '\t\t{"id":"Zeta","enabled":false, "n": 1.50}',
  '\t  ],',
  '\t  "x-unknown": {"a":[1,2,3]}',
  '\t},',
  '\t"trailing": 1e3',
  '}',
  '',
].join('\r\n');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'schemashift-flags-'));
}

function oddFile(): string {
  const file = join(tempDir(), 'feature-flags.json');
  writeFileSync(file, ODD);
  return file;
}

describe('JsonFileFlagStore', () => {
  it('changes only the bytes of the value it sets; other flags and unknown keys keep their exact text', async () => {
    const file = oddFile();
    const store = new JsonFileFlagStore(file);
    await store.setPercentage('Rollout', 10, 'targeting', 'tester');
    const expected10 = ODD.replace(
      '"enabled" : false,\r\n\t    "x-note"',
      '"enabled" : true,\r\n\t    "x-note"',
    ).replace('"DefaultRolloutPercentage": 0 }', '"DefaultRolloutPercentage": 10 }');
    expect(readFileSync(file, 'utf8')).toBe(expected10);
    await store.setPercentage('Rollout', 50, 'targeting', 'tester');
    expect(readFileSync(file, 'utf8')).toBe(
      expected10.replace('"DefaultRolloutPercentage": 10 }', '"DefaultRolloutPercentage": 50 }'),
    );
    expect((await store.get('Rollout'))?.conditions?.client_filters?.[0]?.parameters).toEqual({
      Audience: { Users: ['ann'], Groups: [], DefaultRolloutPercentage: 50 },
    });
  });

  it('appends a new flag after the last one, in the separator the file uses, touching nothing else', async () => {
    const file = oddFile();
    await new JsonFileFlagStore(file).setPercentage('Brand.New', 25, 'percentage', 'tester');
    const text = readFileSync(file, 'utf8');
    const cut = ODD.indexOf('"n": 1.50}') + '"n": 1.50}'.length;
    expect(text.slice(0, cut)).toBe(ODD.slice(0, cut));
    expect(text.slice(text.indexOf('\r\n\t  ],'))).toBe(ODD.slice(cut));
    const parsed = parseFlagsJson(text);
    expect(parsed.feature_management.feature_flags.at(-1)).toEqual({
      id: 'Brand.New',
      enabled: true,
      conditions: {
        requirement_type: 'All',
        client_filters: [{ name: 'Microsoft.Percentage', parameters: { Value: 25 } }],
      },
    });
    expect(parsed.feature_management.feature_flags.slice(0, 3)).toEqual(
      parseFlagsJson(ODD).feature_management.feature_flags,
    );
    expect(text).toContain('\r\n\t\t{\r\n\t\t\t"id": "Brand.New",');
  });

  it('creates a missing file (and its folder)', async () => {
    const file = join(tempDir(), 'config', 'feature-flags.json');
    const store = new JsonFileFlagStore(file);
    expect(await store.list()).toEqual([]);
    await store.setPercentage('UseNew', 10, 'targeting', 'tester');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      feature_management: {
        feature_flags: [
          {
            id: 'UseNew',
            enabled: true,
            conditions: {
              requirement_type: 'All',
              client_filters: [
                { name: 'Microsoft.Targeting', parameters: { Audience: { DefaultRolloutPercentage: 10 } } },
              ],
            },
          },
        ],
      },
    });
  });

  it('refuses a file that is not JSON, and leaves it alone', async () => {
    const file = join(tempDir(), 'flags.json');
    writeFileSync(file, '{ "feature_management": ');
    await expect(new JsonFileFlagStore(file).setPercentage('A', 10, 'targeting', 't')).rejects.toThrow(
      /is not valid JSON/,
    );
    expect(readFileSync(file, 'utf8')).toBe('{ "feature_management": ');
  });

  it('the last entry with an id is the one read and written, as in the library', async () => {
    const file = join(tempDir(), 'flags.json');
    writeFileSync(
      file,
      JSON.stringify({
        feature_management: {
          feature_flags: [
            { id: 'D', enabled: false },
            { id: 'D', enabled: true },
          ],
        },
      }),
    );
    const store = new JsonFileFlagStore(file);
    expect((await store.list()).map((f) => f.enabled)).toEqual([true]);
    await store.setPercentage('D', 0, 'targeting', 't');
    expect(parseFlagsJson(readFileSync(file, 'utf8')).feature_management.feature_flags[0]).toEqual({
      id: 'D',
      enabled: false,
    });
  });

  it('writes atomically: concurrent readers never see a partial file, no temporary file is left behind', async () => {
    const dir = tempDir();
    const file = join(dir, 'flags.json');
    const many = Array.from({ length: 3000 }, (_, i) => ({
      id: `Flag${i}`,
      enabled: false,
      description: 'x'.repeat(40),
    }));
    writeFileSync(file, JSON.stringify({ feature_management: { feature_flags: many } }, null, 2));
    const reader = new Worker(
      `const { readFileSync } = require('node:fs'); const { parentPort, workerData } = require('node:worker_threads');
       let reads = 0, torn = 0, stop = false; parentPort.on('message', () => (stop = true));
       (function loop() { for (let i = 0; i < 50; i++) { reads++; try { JSON.parse(readFileSync(workerData, 'utf8')); } catch { torn++; } }
         if (stop) parentPort.postMessage({ reads, torn }); else setImmediate(loop); })();`,
      { eval: true, workerData: file },
    );
    const store = new JsonFileFlagStore(file);
    for (let i = 0; i < 60; i++) await store.setPercentage(`Flag${i % 5}`, i % 101, 'targeting', 'tester');
    const result = await new Promise<{ reads: number; torn: number }>((resolve) => {
      reader.once('message', resolve);
      reader.postMessage('stop');
    });
    await reader.terminate();
    console.log(
      `atomic write: 60 writes of a ${Math.round(readFileSync(file).length / 1024)} KB file, ${result.reads} concurrent reads, ${result.torn} torn`,
    );
    expect(result.reads).toBeGreaterThan(0);
    expect(result.torn).toBe(0);
    expect(readdirSync(dir)).toEqual(['flags.json']);
  });
});
