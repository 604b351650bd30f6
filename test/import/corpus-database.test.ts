/**
 * Corpus migrations that have a `<name>.before.sql` (the schema they were written against): the imported plan is
 * checked by `validate --database` against a real database built from it, and finds the same as without one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cli, emptyDir } from '../cli/cli-support.js';
import {
  createPostgresDatabase,
  postgresAdminUrl,
  postgresSkipReason,
  type TestDatabase,
} from '../support/databases.js';

const CORPUS = 'test/fixtures/import/corpus';
/**
 * What validate --database adds, and why. A type change of a column the database gives a primary key must declare
 * what it carries (the import sees only the SQL, not the catalog): `new change-type --database` writes it.
 */
const DATABASE_FINDINGS: Record<string, string[]> = {
  dba_type_changes: ['db-carry-lost'],
};

const seeded = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.before.sql'))
  .map((f) => f.replace(/\.before\.sql$/, ''))
  .sort();

describe.skipIf(!postgresAdminUrl)(`import, then validate --database ${postgresSkipReason ?? ''}`, () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.close();
  });

  it('at least a few corpus files carry the schema they run against', () =>
    expect(seeded.length).toBeGreaterThanOrEqual(5));

  it.each(seeded)(
    '%s',
    async (stem) => {
      const db = await createPostgresDatabase('ss_import_v');
      databases.push(db);
      await db.exec(readFileSync(join(CORPUS, `${stem}.before.sql`), 'utf8'));
      const out = join(emptyDir('schemashift-import-db-'), `${stem}.yaml`);
      const imported = await cli(['import', join(CORPUS, `${stem}.sql`), '--out', out]);
      expect(imported.code, imported.stderr).toBe(0);
      const validated = await cli(['validate', out, '--database', db.url!, '--format', 'json']);
      const report = JSON.parse(validated.stdout) as { plans: { findings: { rule: string; severity: string }[] }[] };
      const errors = report.plans.flatMap((p) => p.findings.filter((f) => f.severity === 'error').map((f) => f.rule));
      const expected = DATABASE_FINDINGS[stem] ?? [];
      expect(errors.filter((rule) => rule.startsWith('db-'))).toEqual(expected);
      expect(validated.code, validated.stdout).toBe(errors.length > 0 ? 1 : 0);
    },
    60_000,
  );
});
