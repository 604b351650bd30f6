import type { TestProject } from 'vitest/node';
import { findMssql } from './find-mssql.js';
import { findPostgres } from './find-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string | null;
    postgresSkipReason: string | null;
    mssqlAdminUrl: string | null;
  }
}

/** The SQL Server suites: skipped here with one loud line unless a server answers. */
async function setupMssql(project: TestProject): Promise<() => Promise<void>> {
  const found = await findMssql();
  if ('skipped' in found) {
    process.stdout.write(
      `\n!!! SKIPPING the SQL Server suites (test/dialects/mssql/*.server.test.ts): ${found.skipped}. !!!\n\n`,
    );
    project.provide('mssqlAdminUrl', null);
    return () => Promise.resolve();
  }
  process.stdout.write(
    `\nSQL Server suites use ${found.source === 'env' ? 'SCHEMASHIFT_TEST_MSSQL_URL' : 'testcontainers'}\n`,
  );
  project.provide('mssqlAdminUrl', found.url);
  return async () => {
    await found.stop?.();
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopMssql = await setupMssql(project);
  const stopPostgres = await setupPostgres(project);
  return async () => {
    await stopPostgres();
    await stopMssql();
  };
}

async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
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
