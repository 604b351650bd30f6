/**
 * A fresh, uniquely named database on the SQL Server found by global-setup (find-mssql.ts), dropped
 * afterwards, for the SQL Server suites (`test/dialects/mssql/*.server.test.ts`). Those suites run
 * only where a SQL Server answers; elsewhere global-setup prints one loud SKIPPING line.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';

export const mssqlAdminUrl: string | null = inject('mssqlAdminUrl');

export interface MssqlTestDatabase {
  name: string;
  url: string;
  conn: Connection;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createMssqlDatabase(prefix = 'schemashift_test'): Promise<MssqlTestDatabase> {
  const adminUrl = mssqlAdminUrl;
  if (!adminUrl) throw new Error('no SQL Server for tests (see the SKIPPING line of global-setup)');
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = await connect(adminUrl);
  try {
    await admin.query(`CREATE DATABASE [${name}]`);
  } finally {
    await admin.close();
  }
  const url = withDatabase(adminUrl, name);
  const conn = await connect(url);
  return {
    name,
    url,
    conn,
    async close() {
      await conn.close();
      const drop = await connect(adminUrl);
      try {
        await drop.query(`ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${name}]`);
      } finally {
        await drop.close();
      }
    },
  };
}
