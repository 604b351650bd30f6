/**
 * `schemashift flags list|get|set --flags-file appsettings.json` on the .NET section and on a
 * Microsoft-schema file with comments; hostile files exit 2 with the file and line named, untouched.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const SEED = join(import.meta.dirname, '..', 'fixtures', 'flags', 'appsettings.seed.json');
const SEED_TEXT = readFileSync(SEED, 'utf8');

async function cli(args: string[], cwd: string) {
  const io = captureIo(cwd);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function dirWith(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-dotnet-cli-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

describe('schemashift flags on a .NET appsettings.json', () => {
  it('list, get, set (keeping the Percentage filter), and a new flag in the .NET shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-dotnet-cli-'));
    const file = join(dir, 'appsettings.json');
    copyFileSync(SEED, file);
    const args = ['--flags-file', 'appsettings.json'];
    expect(await cli(['flags', 'list', ...args], dir)).toEqual({
      code: 0,
      out: 'UseNewCustomerIdColumn  10% (percentage, random per call)\n',
      err: '',
    });
    const get = await cli(['flags', 'get', 'UseNewCustomerIdColumn', '--json', ...args], dir);
    expect(JSON.parse(get.out)).toMatchObject({ percent: 10, filter: 'percentage', enabled: true });
    expect(await cli(['flags', 'set', 'UseNewCustomerIdColumn', '50', ...args], dir)).toEqual({
      code: 0,
      out: `UseNewCustomerIdColumn: 10% (percentage, random per call) → 50% (percentage, random per call) in the file ${file}\n`,
      err: '',
    });
    expect(readFileSync(file, 'utf8')).toBe(SEED_TEXT.replace('"Value": 10 //', '"Value": 50 //'));
    expect((await cli(['flags', 'set', 'Reports.V2', '5', ...args], dir)).code).toBe(0);
    const doc = JSON.parse(
      readFileSync(file, 'utf8').replace(/\/\/.*$/gm, ''), // the test's own comment stripping: the fixture's are line comments
    ) as { FeatureManagement: Record<string, unknown> };
    expect(doc.FeatureManagement['Reports.V2']).toEqual({
      // The section already uses Percentage: a new flag gets it too (Targeting needs .WithTargeting() in the app).
      EnabledFor: [{ Name: 'Percentage', Parameters: { Value: 5 } }],
    });
    expect((await cli(['flags', 'list', ...args], dir)).out).toBe(
      'UseNewCustomerIdColumn  50% (percentage, random per call)\nReports.V2              5% (percentage, random per call)\n',
    );
  });

  it('true/false flags read as 100% and 0% (disabled)', async () => {
    const dir = dirWith('appsettings.json', '{ "FeatureManagement": { "On": true, "Off": false } }\n');
    expect((await cli(['flags', 'list', '--flags-file', 'appsettings.json'], dir)).out).toBe(
      'On   100% (enabled, no filters)\nOff  0% (disabled)\n',
    );
  });

  it('a Microsoft-schema file with comments: set changes only that flag, in its one-line layout', async () => {
    const text =
      '{\n  // team orders\n  "feature_management": { "feature_flags": [ { "id": "A", "enabled": false } ] }\n}\n';
    const dir = dirWith('flags.json', text);
    const set = await cli(['flags', 'set', 'A', '30', '--filter', 'percentage', '--flags-file', 'flags.json'], dir);
    expect(set.code).toBe(0);
    const conditions = '"conditions": {"client_filters":[{"name":"Microsoft.Percentage","parameters":{"Value":30}}]}';
    expect(readFileSync(join(dir, 'flags.json'), 'utf8')).toBe(
      text.replace('"enabled": false }', `"enabled": true, ${conditions} }`),
    );
  });
});

describe('hostile flags files exit 2, name the file, and stay untouched', () => {
  const cases: [string, string, string][] = [
    ['invalid JSON', '{\n  "FeatureManagement": {\n    "A": true\n    "B": false\n  }\n}\n', 'at line 4, column 5'],
    ['FeatureManagement not an object', '{ "FeatureManagement": "on" }', '"FeatureManagement" is "on" (a string)'],
    ['a flag that is a number', '{ "FeatureManagement": { "A": 1 } }', 'flag A in FeatureManagement is 1 (a number)'],
    ['duplicate keys', '{ "FeatureManagement": { "A": true }, "featuremanagement": {} }', 'twice'],
  ];
  it.each(cases)('%s', async (_name, text, message) => {
    const dir = dirWith('appsettings.json', text);
    for (const args of [
      ['flags', 'list'],
      ['flags', 'get', 'A'],
      ['flags', 'set', 'A', '10'],
    ]) {
      const result = await cli([...args, '--flags-file', 'appsettings.json'], dir);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.err).toContain(message);
      expect(result.err).toContain(join(dir, 'appsettings.json'));
    }
    expect(readFileSync(join(dir, 'appsettings.json'), 'utf8')).toBe(text);
  });
});
