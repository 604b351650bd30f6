import type { TestProject } from 'vitest/node';
import { findPostgres } from './find-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string | null;
    postgresSkipReason: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = await findPostgres();
  if ('skipped' in found) {
    process.stdout.write(
      `\n!!! SKIPPING every real-PostgreSQL suite (test/**/*.pg.test.ts parts marked postgres): ${found.skipped}. PGlite suites still run. !!!\n\n`,
    );
    project.provide('postgresAdminUrl', null);
    project.provide('postgresSkipReason', found.skipped);
    return () => Promise.resolve();
  }
  process.stdout.write(`\nintegration tests use PostgreSQL from ${found.source}\n`);
  project.provide('postgresAdminUrl', found.url);
  project.provide('postgresSkipReason', null);
  return async () => {
    await found.stop?.();
  };
}
