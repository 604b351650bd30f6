/**
 * Which SQL Server the SQL Server suites talk to, in this order: SCHEMASHIFT_TEST_MSSQL_URL (a
 * `sqlserver://` URL, as `--database` takes), then a testcontainers SQL Server 2022 when a Docker
 * engine answers. When neither is there the suites are skipped and one loud line names them: no
 * mock server, no fake TDS.
 */
import { connect } from '../../src/db/index.js';

export interface FoundMssql {
  /** An admin URL on a database that exists (suites create and drop their own databases). */
  url: string;
  source: 'env' | 'testcontainers';
  stop?: () => Promise<void>;
}

/** The image the container suites target: SQL Server 2022 Developer edition (online and resumable index builds). */
export const MSSQL_IMAGE = 'mcr.microsoft.com/mssql/server:2022-latest';

async function answers(url: string): Promise<string | null> {
  try {
    const conn = await connect(url);
    try {
      await conn.query('SELECT 1 AS one');
      return null;
    } finally {
      await conn.close();
    }
  } catch (e) {
    return (e as Error).message.split('\n')[0] ?? String(e);
  }
}

export async function findMssql(): Promise<FoundMssql | { skipped: string }> {
  const fromEnv = process.env.SCHEMASHIFT_TEST_MSSQL_URL;
  if (fromEnv) {
    const error = await answers(fromEnv);
    return error === null
      ? { url: fromEnv, source: 'env' }
      : { skipped: `SCHEMASHIFT_TEST_MSSQL_URL is set but does not answer (${error})` };
  }
  try {
    const { MSSQLServerContainer } = await import('@testcontainers/mssqlserver');
    const container = await new MSSQLServerContainer(MSSQL_IMAGE).acceptLicense().start();
    const password = encodeURIComponent(container.getPassword());
    const url =
      `sqlserver://${container.getUsername()}:${password}@${container.getHost()}:${container.getPort()}/master` +
      '?encrypt=false';
    return { url, source: 'testcontainers', stop: async () => void (await container.stop()) };
  } catch (e) {
    return {
      skipped:
        'SCHEMASHIFT_TEST_MSSQL_URL is not set and no Docker engine answers for a testcontainers SQL Server ' +
        `(${(e as Error).message.split('\n')[0]})`,
    };
  }
}
