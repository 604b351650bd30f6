import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { parseFlagsJson } from '../support/flags-json.js';

async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const io = captureIo(cwd, env);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('schemashift flags (JSON file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-flags-cli-'));
  const file = join(dir, 'flags.json');

  it('set creates the flag, get and list read it back (exit 0)', async () => {
    const set = await cli(['flags', 'set', 'UseNew', '25%', '--flags-file', 'flags.json'], dir);
    expect(set).toEqual({
      code: 0,
      out: `UseNew: new flag → 25% (targeting, sticky per user) in the file ${file}\n`,
      err: '',
    });
    const again = await cli(['flags', 'set', 'UseNew', '50', '--flags-file', file], dir);
    expect(again.out).toBe(
      `UseNew: 25% (targeting, sticky per user) → 50% (targeting, sticky per user) in the file ${file}\n`,
    );
    const get = await cli(['flags', 'get', 'UseNew', '--flags-file', file], dir);
    expect(get.code).toBe(0);
    expect(get.out).toMatch(/^UseNew: 50% \(targeting, sticky per user\) in the file .*\n\{\n {2}"id": "UseNew",/);
    await cli(['flags', 'set', 'Beta', '0', '--flags-file', file], dir);
    const list = await cli(['flags', 'list', '--flags-file', file], dir);
    expect(list).toEqual({
      code: 0,
      out: 'UseNew  50% (targeting, sticky per user)\nBeta    0% (disabled)\n',
      err: '',
    });
    const json = JSON.parse((await cli(['flags', 'list', '--json', '--flags-file', file], dir)).out) as {
      flags: { id: string; percent: number; filter: string }[];
    };
    expect(json.flags.map((f) => [f.id, f.percent, f.filter])).toEqual([
      ['UseNew', 50, 'targeting'],
      ['Beta', 0, 'targeting'],
    ]);
  });

  it("--filter percentage writes Microsoft.Percentage; later sets keep the flag's filter", async () => {
    expect(
      (await cli(['flags', 'set', 'Random', '30', '--filter', 'percentage', '--flags-file', file], dir)).code,
    ).toBe(0);
    expect((await cli(['flags', 'set', 'Random', '40', '--flags-file', file], dir)).code).toBe(0);
    const flag = parseFlagsJson(readFileSync(file, 'utf8')).feature_management.feature_flags.find(
      (f) => f.id === 'Random',
    );
    expect(flag?.conditions.client_filters).toEqual([{ name: 'Microsoft.Percentage', parameters: { Value: 40 } }]);
  });

  it('bad input exits 2 with a clear message and changes nothing', async () => {
    const before = readFileSync(file, 'utf8');
    expect(await cli(['flags', 'set', 'UseNew', '150', '--flags-file', file], dir)).toMatchObject({
      code: 2,
      err: expect.stringContaining('`150` is not a percentage: expected a number from 0 to 100'),
    });
    expect(await cli(['flags', 'set', 'UseNew', 'half', '--flags-file', file], dir)).toMatchObject({ code: 2 });
    expect(await cli(['flags', 'set', '9lives', '10', '--flags-file', file], dir)).toMatchObject({
      code: 2,
      err: expect.stringContaining('`9lives` is not a flag name'),
    });
    expect(await cli(['flags', 'get', 'Nope', '--flags-file', file], dir)).toMatchObject({
      code: 2,
      err: expect.stringContaining('flag Nope is not in the file'),
    });
    expect((await cli(['flags', 'get', 'Nope', '--flags-file', file], dir)).err).toContain(
      '(it has UseNew, Beta, Random)',
    );
    expect((await cli(['flags', 'set', 'UseNew', '10', '--filter', 'random', '--flags-file', file], dir)).code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it("--plan uses the plan's settings.flags file, relative to the plan's folder", async () => {
    const planDir = mkdtempSync(join(tmpdir(), 'schemashift-flags-plan-'));
    writeFileSync(
      join(planDir, 'p.yaml'),
      'name: p\nsettings:\n  flags: { file: config/feature-flags.json }\nphases:\n  migrate:\n    - flag_rollout: { flag: F, stages: [100] }\n',
    );
    expect((await cli(['flags', 'set', 'F', '10', '--plan', join(planDir, 'p.yaml')], dir)).code).toBe(0);
    expect(
      parseFlagsJson(readFileSync(join(planDir, 'config', 'feature-flags.json'), 'utf8')).feature_management
        .feature_flags[0].id,
    ).toBe('F');
  });
});

describe.skipIf(!postgresAdminUrl)('schemashift flags (table in --database)', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-flags-db-'));
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_flags_cli');
  });
  afterAll(async () => db?.close());

  it('list on an empty database, set, get, and the row it writes', async () => {
    expect(await cli(['flags', 'list', '--database', db.url!], dir)).toMatchObject({
      code: 0,
      out: 'no flags in the table schemashift.feature_flags\n',
    });
    expect((await cli(['flags', 'set', 'UseNew', '10', '--database', db.url!], dir)).code).toBe(0);
    expect((await cli(['flags', 'get', 'UseNew'], dir, { DATABASE_URL: db.url! })).out).toMatch(
      /^UseNew: 10% \(targeting, sticky per user\) in the table schemashift.feature_flags\n/,
    );
    const rows = await db.query<{ id: string; updated_by: string }>(
      'SELECT id, updated_by FROM schemashift.feature_flags',
    );
    expect(rows).toEqual([{ id: 'UseNew', updated_by: expect.stringMatching(/@.* \(schemashift flags set\)$/) }]);
    expect((await cli(['flags', 'get', 'Other', '--database', db.url!], dir)).code).toBe(2);
  });
});
