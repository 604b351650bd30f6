/** Fakes for the SQL Server doctor unit tests: servers of each release and edition, a recording Connection. */
import type { Connection, QueryResult } from '../../../src/db/connection.js';
import { mssqlDoctor } from '../../../src/dialects/mssql/doctor.js';
import { versionNumOf, type MssqlServerInfo } from '../../../src/dialects/mssql/doctor-capabilities.js';
import { DEFAULT_DOCTOR_OPTIONS, type DoctorContext } from '../../../src/doctor/types.js';

export function server(major: number, engineEdition: number, edition = 'Enterprise Edition (64-bit)'): MssqlServerInfo {
  const version = major === 12 && engineEdition === 5 ? '12.0.2000.8' : `${major}.0.4135.4`;
  return { version, versionNum: versionNumOf(version), majorVersion: major, edition, engineEdition };
}

export const SQL2022_DEV = server(16, 3, 'Developer Edition (64-bit)');
export const SQL2019_ENT = server(15, 3);
export const SQL2019_STD = server(15, 2, 'Standard Edition (64-bit)');
export const SQL2017_ENT = server(14, 3);
export const AZURE_SQL_DB = server(12, 5, 'SQL Azure');

export type Responder = (sql: string, params: unknown[]) => unknown[] | Error;

/**
 * A Connection that answers from `respond` and records what was sent: no server, only SQL text. The
 * permission probe of the session checks is answered `visible` and kept out of `seen`.
 */
export function fakeDb(respond: Responder, visible = true) {
  const seen: { sql: string; params: unknown[] }[] = [];
  const db = {
    dialect: 'mssql',
    kind: 'mssql',
    displayUrl: 'sqlserver://doctor@localhost/app',
    query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      if (sql.includes('HAS_PERMS_BY_NAME')) return Promise.resolve({ rows: [{ ok: visible }] as R[], rowCount: 1 });
      seen.push({ sql, params });
      const rows = respond(sql, params);
      if (rows instanceof Error) return Promise.reject(rows);
      return Promise.resolve({ rows: rows as R[], rowCount: rows.length });
    },
    exec: () => Promise.resolve(),
    session: () => Promise.reject(new Error('no session in these tests')),
    close: () => Promise.resolve(),
  } as unknown as Connection;
  return { db, seen };
}

export function ctx(respond: Responder, s: MssqlServerInfo = SQL2022_DEV, visible = true) {
  const { db, seen } = fakeDb(respond, visible);
  const context: DoctorContext = { db, server: s, options: DEFAULT_DOCTOR_OPTIONS };
  return { context, seen };
}

export const check = (id: string) => {
  const found = mssqlDoctor.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};
