/**
 * .NET binds a Percentage filter's Value to an int: `flags set` refuses a fraction for it in a file a
 * .NET app reads (both schemas), nothing written; values .NET cannot read (10.0, "10.0", 1e1) show as
 * unreadable and are rewritten whole by a set. The test evaluator binds Value as .NET does.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { JsonFileFlagStore } from '../../src/flags/json-file-store.js';
import { captureIo } from '../support/capture-io.js';
import { isEnabledDotnet, readDotnetConfig } from '../support/dotnet-feature-evaluator.js';

const SEED = join(import.meta.dirname, '..', 'fixtures', 'flags', 'appsettings.seed.json');
const SEED_TEXT = readFileSync(SEED, 'utf8');
const FLAG = 'UseNewCustomerIdColumn';

async function cli(args: string[], cwd: string) {
  const io = captureIo(cwd);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function dirWith(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-whole-percent-'));
  writeFileSync(join(dir, name), text);
  return dir;
}

const microsoftDoc = (value: string) =>
  `{ "feature_management": { "feature_flags": [ { "id": "A", "enabled": true, "conditions": { "client_filters": [ { "name": "Microsoft.Percentage", "parameters": { "Value": ${value} } } ] } } ] } }\n`;

describe('whole percentages for the .NET Percentage filter', () => {
  it('the test evaluator throws on a Value .NET cannot bind to int, as .NET does', () => {
    const config = (value: string) =>
      readDotnetConfig(
        `{ "FeatureManagement": { "F": { "EnabledFor": [ { "Name": "Percentage", "Parameters": { "Value": ${value} } } ] } } }`,
      );
    expect(isEnabledDotnet(config('10'), 'F', { userId: 'u' }, () => 0)).toBe(true);
    for (const bad of ['12.5', '10.0', '1e1', '"10.0"'])
      expect(() => isEnabledDotnet(config(bad), 'F', { userId: 'u' }, () => 0), bad).toThrow(/System\.Int32/);
  });

  it('flags set 12.5 on a .NET Percentage flag: exit 2, the safe way named, the file untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-whole-percent-'));
    copyFileSync(SEED, join(dir, 'appsettings.json'));
    const r = await cli(['flags', 'set', FLAG, '12.5', '--flags-file', 'appsettings.json'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('whole number (int), so 12.5 would make every evaluation of the flag throw');
    expect(r.err).toContain('use a whole percentage (12 or 13), or the Targeting filter');
    expect(readFileSync(join(dir, 'appsettings.json'), 'utf8')).toBe(SEED_TEXT);
    // Targeting's DefaultRolloutPercentage is a double: a fraction is fine there.
    const t = await cli(
      ['flags', 'set', FLAG, '12.5', '--filter', 'targeting', '--flags-file', 'appsettings.json'],
      dir,
    );
    expect(t.code).toBe(0);
    expect(readFileSync(join(dir, 'appsettings.json'), 'utf8')).toContain('"DefaultRolloutPercentage": 12.5');
  });

  it('the feature_management schema in appsettings.json too (.NET reads it); in flags.json a fraction is kept', async () => {
    const dotnet = dirWith('appsettings.json', microsoftDoc('10'));
    const r = await cli(['flags', 'set', 'A', '12.5', '--flags-file', 'appsettings.json'], dotnet);
    expect(r.code).toBe(2);
    expect(readFileSync(join(dotnet, 'appsettings.json'), 'utf8')).toBe(microsoftDoc('10'));
    const js = dirWith('flags.json', microsoftDoc('10'));
    expect((await cli(['flags', 'set', 'A', '12.5', '--flags-file', 'flags.json'], js)).code).toBe(0);
    expect(readFileSync(join(js, 'flags.json'), 'utf8')).toBe(microsoftDoc('12.5'));
  });

  it.each(['10.0', '"10.0"', '1e1'])(
    'a Value of %s: list and get say .NET cannot read it; set writes it whole',
    async (value) => {
      const text = SEED_TEXT.replace('"Value": 10 //', `"Value": ${value} //`);
      const dir = dirWith('appsettings.json', text);
      const args = ['--flags-file', 'appsettings.json'];
      expect((await cli(['flags', 'list', ...args], dir)).out).toBe(
        `${FLAG}  UNREADABLE by .NET: the Percentage filter's Value is ${value}, and .NET reads it as a whole number (int): every evaluation of the flag throws\n`,
      );
      const get = JSON.parse((await cli(['flags', 'get', FLAG, '--json', ...args], dir)).out) as Record<
        string,
        unknown
      >;
      expect(get).toMatchObject({ percent: null, unreadable: expect.stringContaining(value) as unknown });
      expect((await cli(['flags', 'set', FLAG, '20', ...args], dir)).code).toBe(0);
      // A string stays a string (the configuration binder reads both), now a whole one.
      const written = value.startsWith('"') ? '"20"' : '20';
      expect(readFileSync(join(dir, 'appsettings.json'), 'utf8')).toBe(
        SEED_TEXT.replace('"Value": 10 //', `"Value": ${written} //`),
      );
    },
  );

  it('a rollout check refuses an unreadable value or a fractional stage, but lets a rollback to 0 through', async () => {
    const dir = dirWith('appsettings.json', SEED_TEXT.replace('"Value": 10 //', '"Value": 10.0 //'));
    const store = new JsonFileFlagStore(join(dir, 'appsettings.json'));
    await expect(store.checkRollout(FLAG, [20, 50], undefined)).rejects.toThrow('does not start rather than guess');
    await expect(store.checkRollout(FLAG, [0], undefined)).resolves.toBeUndefined();
    const fresh = dirWith('appsettings.json', SEED_TEXT);
    const seeded = new JsonFileFlagStore(join(fresh, 'appsettings.json'));
    await expect(seeded.checkRollout(FLAG, [10, 12.5], undefined)).rejects.toThrow('so 12.5 would make');
    await expect(seeded.checkRollout(FLAG, [10, 12.5], 'targeting')).resolves.toBeUndefined();
  });

  it('a 10.0 in feature_management of appsettings.json is unreadable too, and rewritten whole', async () => {
    const dir = dirWith('appsettings.json', microsoftDoc('10.0'));
    expect((await cli(['flags', 'list', '--flags-file', 'appsettings.json'], dir)).out).toContain(
      'A  UNREADABLE by .NET',
    );
    expect((await cli(['flags', 'set', 'A', '30', '--flags-file', 'appsettings.json'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'appsettings.json'), 'utf8')).toBe(microsoftDoc('30'));
  });
});
