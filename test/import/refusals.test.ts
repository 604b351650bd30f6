/** Statements `import` neither drops nor keeps: it stops with exit 2 at the statement, and writes nothing. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';

async function importSql(sql: string) {
  const dir = folderWith({ 'm.sql': sql });
  const result = await cli(['import', 'm.sql'], { cwd: dir });
  return { ...result, written: existsSync(join(dir, 'plans/m.yaml')), dir };
}

const BEFORE = 'ALTER TABLE t ADD COLUMN a int;\n';

describe('import refuses what would change the meaning of later statements', () => {
  it.each([
    ['ROLLBACK;', /ROLLBACK: a plan runs each step in its own transaction/],
    ['SAVEPOINT s1;', /SAVEPOINT/],
    ['ROLLBACK TO SAVEPOINT s1;', /ROLLBACK_TO/],
    ["PREPARE TRANSACTION 'x';", /PREPARE/],
    ['SET search_path TO billing;', /SET search_path: later unqualified names would resolve/],
    ['SET ROLE admin;', /SET ROLE: the steps would run as another role/],
    ['SET SESSION AUTHORIZATION admin;', /SET SESSION AUTHORIZATION/],
  ])('%s → exit 2 at its line', async (statement, message) => {
    const result = await importSql(`${BEFORE}${statement}\n${BEFORE.replace(' a ', ' b ')}`);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('m.sql:2:1: error:');
    expect(result.stderr).toMatch(message);
    expect(result.written).toBe(false);
  });

  it.each(['SET search_path TO public;', 'SET search_path = "$user", public;', 'BEGIN;', 'COMMIT;', 'END;'])(
    '%s is left out with a comment',
    async (statement) => {
      const result = await importSql(`${statement}\n${BEFORE}`);
      expect(result.code, result.stderr).toBe(0);
      expect(result.written).toBe(true);
    },
  );
});
