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

interface Servers {
  postgresAdminUrl: string | null;
  postgresSkipReason: string | null;
  mssqlAdminUrl: string | null;
  stop: () => Promise<void>;
}

/** The SQL Server suites: skipped here with one loud line unless a server answers. */
async function discoverMssql(): Promise<{ url: string | null; stop: () => Promise<void> }> {
  const found = await findMssql();
  if ('skipped' in found) {
    process.stdout.write(
      `\n!!! SKIPPING the SQL Server suites (test/dialects/mssql/*.server.test.ts): ${found.skipped}. !!!\n\n`,
    );
    return { url: null, stop: () => Promise.resolve() };
  }
  process.stdout.write(
    `\nSQL Server suites use ${found.source === 'env' ? 'SCHEMASHIFT_TEST_MSSQL_URL' : 'testcontainers'}\n`,
  );
  return { url: found.url, stop: async () => void (await found.stop?.()) };
}

async function discoverPostgres(): Promise<{ url: string | null; skipped: string | null; stop: () => Promise<void> }> {
  const found = await findPostgres();
  if ('skipped' in found) {
    process.stdout.write(
      `\n!!! SKIPPING every real-PostgreSQL suite (test/**/*.pg.test.ts parts marked postgres): ${found.skipped}. PGlite suites still run. !!!\n\n`,
    );
    return { url: null, skipped: found.skipped, stop: () => Promise.resolve() };
  }
  process.stdout.write(`\nintegration tests use PostgreSQL from ${found.source}\n`);
  return { url: found.url, skipped: null, stop: async () => void (await found.stop?.()) };
}

async function discover(): Promise<Servers> {
  const mssql = await discoverMssql();
  const postgres = await discoverPostgres();
  return {
    postgresAdminUrl: postgres.url,
    postgresSkipReason: postgres.skipped,
    mssqlAdminUrl: mssql.url,
    stop: async () => {
      await postgres.stop();
      await mssql.stop();
    },
  };
}

// vitest.config.ts has two projects (parallel, then the timed files), and each runs this setup in the one
// main process: the servers are found once (one SKIPPING line, one container each) and stopped after the last.
const shared = globalThis as { schemashiftServers?: { servers: Promise<Servers>; users: number } };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.schemashiftServers ??= { servers: discover(), users: 0 };
  const entry = shared.schemashiftServers;
  entry.users++;
  const servers = await entry.servers;
  project.provide('postgresAdminUrl', servers.postgresAdminUrl);
  project.provide('postgresSkipReason', servers.postgresSkipReason);
  project.provide('mssqlAdminUrl', servers.mssqlAdminUrl);
  return async () => {
    entry.users--;
    if (entry.users > 0) return;
    delete shared.schemashiftServers;
    await servers.stop();
  };
}
