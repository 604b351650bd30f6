/**
 * SQL Server doctor: the capability rows per version and edition, the version check, the SQL each
 * check sends (parameters `$n`, bound by the driver as @pn) and the findings at their thresholds.
 * The queries themselves run in doctor.server.test.ts, on a real SQL Server only.
 */
import { describe, expect, it } from 'vitest';
import { mssqlDoctor } from '../../../src/dialects/mssql/doctor.js';
import {
  mssqlCapabilityRows,
  versionNumOf,
  type MssqlServerInfo,
} from '../../../src/dialects/mssql/doctor-capabilities.js';
import {
  readMssqlServerInfo,
  serverVersionFinding,
  SERVER_INFO_SQL,
} from '../../../src/dialects/mssql/doctor-server.js';
import { runDoctor } from '../../../src/doctor/run-doctor.js';
import { DEFAULT_DOCTOR_OPTIONS } from '../../../src/doctor/types.js';
import { AZURE_SQL_DB, fakeDb, server, SQL2017_ENT, SQL2019_ENT, SQL2019_STD, SQL2022_DEV } from './doctor-fakes.js';

const available = (s: MssqlServerInfo) => Object.fromEntries(mssqlCapabilityRows(s).map((r) => [r.id, r.available]));

describe('mssql doctor: capabilities per version and edition', () => {
  it('2022 Developer has every capability', () => {
    expect(Object.values(available(SQL2022_DEV)).every(Boolean)).toBe(true);
  });

  it('2019 Enterprise lacks only WAIT_AT_LOW_PRIORITY for CREATE INDEX (2022)', () => {
    const rows = mssqlCapabilityRows(SQL2019_ENT);
    expect(rows.filter((r) => !r.available).map((r) => r.id)).toEqual(['low-priority-create']);
    expect(rows.find((r) => r.id === 'low-priority-create')?.since).toBe('2022');
  });

  it('2017 Enterprise also lacks resumable CREATE INDEX (2019) but has resumable rebuilds (2017)', () => {
    const a = available(SQL2017_ENT);
    expect(a['resumable-index-create']).toBe(false);
    expect(a['resumable-index-rebuild']).toBe(true);
    expect(a['low-priority-rebuild']).toBe(true);
    expect(a['alter-column-online']).toBe(true);
  });

  it('Standard edition: no online index operation nor metadata-only NOT NULL column, whatever the release', () => {
    const a = available(SQL2019_STD);
    expect(a).toEqual({
      'online-index-build': false,
      'resumable-index-rebuild': false,
      'resumable-index-create': false,
      'low-priority-rebuild': false,
      'low-priority-create': false,
      'alter-column-online': false,
      'metadata-only-not-null-default': false,
      'replica-lag-seconds': true,
      'query-store': true,
    });
  });

  it('Azure SQL reports 12.0 yet has everything (engine editions 5 and 8)', () => {
    expect(Object.values(available(AZURE_SQL_DB)).every(Boolean)).toBe(true);
    expect(Object.values(available(server(12, 8, 'Enterprise'))).every(Boolean)).toBe(true);
  });

  it('a ServerInfo without an edition claims nothing edition-bound', () => {
    const rows = mssqlDoctor.capabilities({ version: '16.0.1000.6', versionNum: versionNumOf('16.0.1000.6') });
    expect(rows.find((r) => r.id === 'online-index-build')?.available).toBe(false);
    expect(rows.find((r) => r.id === 'query-store')?.available).toBe(true);
  });

  it('versionNum = major·10⁷ + minor·10⁵ + build', () => {
    expect(versionNumOf('16.0.4135.4')).toBe(160004135);
    expect(versionNumOf('10.50.6000.34')).toBe(105006000);
    expect(versionNumOf('15.0.2000.5')).toBeGreaterThan(versionNumOf('14.0.3456.2'));
  });
});

describe('mssql doctor: server version and edition', () => {
  it('reads SERVERPROPERTY once, as text and ints', async () => {
    const { db, seen } = fakeDb(() => [
      { product_version: '15.0.4345.5', major_version: 15, edition: 'Standard Edition (64-bit)', engine_edition: 2 },
    ]);
    const info = await readMssqlServerInfo(db);
    expect(seen.map((s) => s.sql)).toEqual([SERVER_INFO_SQL]);
    for (const property of ['ProductVersion', 'ProductMajorVersion', 'Edition', 'EngineEdition'])
      expect(SERVER_INFO_SQL).toContain(`SERVERPROPERTY('${property}')`);
    expect(info).toEqual({
      version: '15.0.4345.5',
      versionNum: 150004345,
      majorVersion: 15,
      edition: 'Standard Edition (64-bit)',
      engineEdition: 2,
    });
  });

  it('fails below 2019, warns on an edition without online builds, ok on 2022 Developer and Azure', () => {
    const old = serverVersionFinding(SQL2017_ENT);
    expect(old.status).toBe('fail');
    expect(old.finding).toContain('older than the oldest supported release (SQL Server 2019)');
    const standard = serverVersionFinding(SQL2019_STD);
    expect(standard.status).toBe('warn');
    expect(standard.finding).toBe(
      'SQL Server 2019 (15.0.4135.4, Standard Edition (64-bit)): supported, but without online index builds ' +
        '(Enterprise), resumable index rebuilds (Enterprise), resumable index builds (Enterprise), ' +
        'WAIT_AT_LOW_PRIORITY rebuilds (Enterprise), WAIT_AT_LOW_PRIORITY index builds (2022+, Enterprise), ' +
        'online ALTER COLUMN (Enterprise), metadata-only NOT NULL columns with a default (Enterprise)',
    );
    expect(standard.fix).toContain('create_index is refused unless the plan allows an offline build');
    const enterprise = serverVersionFinding(SQL2019_ENT);
    expect(enterprise.status).toBe('warn');
    expect(enterprise.finding).toContain('without WAIT_AT_LOW_PRIORITY index builds (2022+)');
    expect(serverVersionFinding(SQL2022_DEV).status).toBe('ok');
    const azure = serverVersionFinding(AZURE_SQL_DB);
    expect(azure).toMatchObject({ status: 'ok' });
    expect(azure.finding).toMatch(/^Azure SQL Database \(12\.0\.2000\.8/);
  });
});

describe('mssql doctor: a check that cannot run', () => {
  it('says so with the permission to grant, and the other checks still run', async () => {
    const denied = new Error("VIEW SERVER STATE permission was denied on object 'server', database 'master'.");
    const { db } = fakeDb((sql) => {
      if (sql === SERVER_INFO_SQL)
        return [{ product_version: '16.0.4135.4', major_version: 16, edition: 'Developer', engine_edition: 3 }];
      if (sql.includes('sys.databases'))
        return [{ name: 'app', compatibility_level: 160, snapshot_isolation: 'OFF', rcsi: true }];
      if (sql.includes('sys.database_query_store_options')) return [{ state: 'OFF' }];
      return denied;
    });
    const report = await runDoctor(db, mssqlDoctor, DEFAULT_DOCTOR_OPTIONS);
    const long = report.checks.find((c) => c.id === 'long-transactions');
    expect(long).toMatchObject({ status: 'warn', fix: mssqlDoctor.cannotCheckFix });
    expect(long?.finding).toBe(`could not check: ${denied.message}`);
    expect(mssqlDoctor.cannotCheckFix).toContain('GRANT VIEW SERVER STATE');
    expect(report.checks.find((c) => c.id === 'snapshot-isolation')?.status).toBe('ok');
    expect(report.checks.map((c) => c.id)).toEqual([
      'server-version',
      'long-transactions',
      'idle-in-transaction',
      'blocking-chains',
      'snapshot-isolation',
      'compatibility-level',
      'paused-index-builds',
      'availability-group',
      'slowest-queries',
      'fragmented-indexes',
      'unused-indexes',
    ]);
    expect(report.server).toMatchObject({ engineEdition: 3, majorVersion: 16 });
    expect(report.capabilities).toHaveLength(9);
  });
});
