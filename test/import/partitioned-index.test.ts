/** CREATE INDEX on a partitioned table: CONCURRENTLY is not possible there, so the statement stays raw SQL. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, postgresSkipReason } from '../support/databases.js';

const INDEX = 'CREATE INDEX p_v_idx ON p (v);\n';

async function planOf(sql: string, extra: string[] = []) {
  const dir = folderWith({ 'm.sql': sql });
  const result = await cli(['import', 'm.sql', ...extra], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(join(dir, 'plans/m.yaml'), 'utf8');
}

describe('import: indexes on partitioned tables', () => {
  it('a table partitioned by the same import: the index is kept as written', async () => {
    const plan = await planOf(`CREATE TABLE p (id int, v int) PARTITION BY RANGE (id);\n${INDEX}`);
    expect(plan).toContain('cannot be built CONCURRENTLY');
    expect(plan).not.toContain('create_index');
  });

  it.skipIf(!postgresAdminUrl)(`a partitioned table read with --database ${postgresSkipReason ?? ''}`, async () => {
    const db = await createPostgresDatabase('ss_import_part');
    try {
      await db.exec('CREATE TABLE p (id int, v int) PARTITION BY RANGE (id); CREATE TABLE q (id int, v int);');
      const plan = await planOf(`${INDEX}CREATE INDEX q_v_idx ON q (v);\n`, ['--database', db.url!]);
      expect(plan).toMatch(/- sql:\n\s+up: CREATE INDEX p_v_idx ON p \(v\)/);
      expect(plan).toMatch(/- create_index:\n\s+table: q\n/);
    } finally {
      await db.close();
    }
  });
});
