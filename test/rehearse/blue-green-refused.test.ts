/** `schemashift test` has one scratch database: a blue/green plan, which needs two servers, is refused up front. */
import { expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';

it('refuses to rehearse a blue/green plan: exit 2, says why, nothing created', async () => {
  const dir = folderWith({
    'plan.yaml': `name: rehearse-bluegreen
phases:
  expand:
    - replicate: { tables: [items], green: { url_env: REHEARSE_GREEN_URL }, blue: { url_env: REHEARSE_BLUE_URL } }
  migrate:
    - catch_up: {}
`,
    'seed.sql': 'CREATE TABLE items (id int PRIMARY KEY);\n',
  });
  const result = await cli(['test', 'plan.yaml', '--seed', 'seed.sql'], { cwd: dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('a blue/green plan (replicate, catch_up) needs a second server');
  expect(result.stdout).toBe('');
  // The embedded sandbox was never opened: nothing was written beside the plan.
  const { readdirSync } = await import('node:fs');
  expect(readdirSync(dir).sort()).toEqual(['plan.yaml', 'seed.sql']);
});
