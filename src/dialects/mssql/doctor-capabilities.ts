/**
 * What zero-downtime changes rely on in SQL Server, the release that brought each, and whether the
 * edition has it. Online index operations (and all that builds on them: resumable builds,
 * WAIT_AT_LOW_PRIORITY, ALTER COLUMN ONLINE) and the metadata-only NOT NULL column with a default
 * are Enterprise features: SERVERPROPERTY('EngineEdition') 3 (Enterprise, Developer, Evaluation),
 * 5 (Azure SQL Database) and 8 (Azure SQL Managed Instance).
 * https://learn.microsoft.com/sql/sql-server/editions-and-components-of-sql-server-2022
 * Azure SQL reports ProductVersion 12.0.2000.x yet runs the newest engine: its version is not compared.
 * https://learn.microsoft.com/sql/t-sql/functions/serverproperty-transact-sql
 */
import type { CapabilityRow } from '../../doctor/types.js';
import type { ServerInfo } from '../../introspect/live-schema.js';

/** The server as doctor reads it: ServerInfo plus the edition (shown in the JSON report's `server`). */
export interface MssqlServerInfo extends ServerInfo {
  /** SERVERPROPERTY('Edition'), e.g. `Developer Edition (64-bit)`. */
  edition: string;
  /** SERVERPROPERTY('EngineEdition'): 2 Standard, 3 Enterprise/Developer/Evaluation, 4 Express, 5 Azure SQL Database, 8 Managed Instance. */
  engineEdition: number;
  /** SERVERPROPERTY('ProductMajorVersion'): 15 = 2019, 16 = 2022. */
  majorVersion: number;
}

/** versionNum = major·10⁷ + minor·10⁵ + build: 16.0.4135.4 → 160004135. */
export const VERSION_NUM_MAJOR = 10_000_000;

export const AZURE_SQL_DATABASE = 5;
export const AZURE_SQL_MANAGED_INSTANCE = 8;
/** Engine editions with online index operations (and the other Enterprise features below). */
export const ENTERPRISE_ENGINE_EDITIONS: readonly number[] = [3, AZURE_SQL_DATABASE, AZURE_SQL_MANAGED_INSTANCE];

/** The releases this dialect targets: SQL Server 2019 (15.x) and 2022 (16.x), and Azure SQL. */
export const OLDEST_SUPPORTED_MAJOR = 15;

const RELEASE_YEARS: Record<number, string> = {
  9: '2005',
  10: '2008',
  11: '2012',
  12: '2014',
  13: '2016',
  14: '2017',
  15: '2019',
  16: '2022',
  17: '2025',
};

/** 15 → "2019". */
export function releaseLabel(major: number): string {
  return RELEASE_YEARS[major] ?? `${major}.x`;
}

export interface MssqlCapability {
  id: string;
  /** A few words, for the version check's finding. */
  name: string;
  feature: string;
  /** ProductMajorVersion of the first release that has it. */
  sinceMajor: number;
  /** Only on the Enterprise engine editions (3, 5, 8). */
  enterpriseOnly: boolean;
  otherwise: string;
}

export const MSSQL_CAPABILITIES: readonly MssqlCapability[] = [
  {
    id: 'online-index-build',
    name: 'online index builds',
    feature: 'CREATE INDEX / ALTER INDEX REBUILD WITH (ONLINE = ON) (Enterprise, Developer, Azure SQL)',
    sinceMajor: 9,
    enterpriseOnly: true,
    otherwise:
      'ONLINE = ON is refused: an offline build holds a shared lock (a clustered one Sch-M) on the table for the ' +
      'whole build, so schemashift refuses create_index unless the plan allows an offline build',
  },
  {
    id: 'resumable-index-rebuild',
    name: 'resumable index rebuilds',
    feature: 'ALTER INDEX … REBUILD WITH (RESUMABLE = ON)',
    sinceMajor: 14,
    enterpriseOnly: true,
    otherwise: 'an interrupted rebuild starts over from nothing',
  },
  {
    id: 'resumable-index-create',
    name: 'resumable index builds',
    feature: 'CREATE INDEX … WITH (RESUMABLE = ON, MAX_DURATION = n)',
    sinceMajor: 15,
    enterpriseOnly: true,
    otherwise: 'an interrupted index build is rolled back and starts over from nothing',
  },
  {
    id: 'low-priority-rebuild',
    name: 'WAIT_AT_LOW_PRIORITY rebuilds',
    feature: 'ALTER INDEX … REBUILD WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY (…)))',
    sinceMajor: 12,
    enterpriseOnly: true,
    otherwise: "the rebuild's final Sch-M request queues normally and blocks every query that arrives after it",
  },
  {
    id: 'low-priority-create',
    name: 'WAIT_AT_LOW_PRIORITY index builds',
    feature: 'CREATE INDEX … WITH (WAIT_AT_LOW_PRIORITY (MAX_DURATION = n, ABORT_AFTER_WAIT = SELF))',
    sinceMajor: 16,
    enterpriseOnly: true,
    otherwise:
      "the build's Sch-M requests queue normally: schemashift bounds each attempt with SET LOCK_TIMEOUT and " +
      'retries instead',
  },
  {
    id: 'alter-column-online',
    name: 'online ALTER COLUMN',
    feature: 'ALTER TABLE … ALTER COLUMN … WITH (ONLINE = ON)',
    sinceMajor: 13,
    enterpriseOnly: true,
    otherwise: 'ALTER COLUMN (a type change, NOT NULL) holds Sch-M for the whole scan or rewrite of the table',
  },
  {
    id: 'metadata-only-not-null-default',
    name: 'metadata-only NOT NULL columns with a default',
    feature: 'ADD … NOT NULL DEFAULT <runtime constant> as a metadata-only change',
    sinceMajor: 11,
    enterpriseOnly: true,
    otherwise: 'the default is written into every row under Sch-M, blocking reads and writes for the whole update',
  },
  {
    id: 'replica-lag-seconds',
    name: 'replica lag in seconds',
    feature: 'sys.dm_hadr_database_replica_states.secondary_lag_seconds',
    sinceMajor: 13,
    enterpriseOnly: false,
    otherwise: 'the lag of availability-group secondaries is not measured: throttle.max_replica_lag cannot pause',
  },
  {
    id: 'query-store',
    name: 'Query Store',
    feature: 'Query Store (the slowest queries, per plan)',
    sinceMajor: 13,
    enterpriseOnly: false,
    otherwise: 'doctor cannot list the slowest queries',
  },
];

export const isAzureSql = (s: MssqlServerInfo): boolean =>
  s.engineEdition === AZURE_SQL_DATABASE || s.engineEdition === AZURE_SQL_MANAGED_INSTANCE;

export const hasEnterpriseFeatures = (s: MssqlServerInfo): boolean =>
  ENTERPRISE_ENGINE_EDITIONS.includes(s.engineEdition);

/** At least release `major`; Azure SQL always is (its ProductVersion stays 12.0). */
export function atLeast(s: MssqlServerInfo, major: number): boolean {
  return isAzureSql(s) || s.majorVersion >= major;
}

/** A ServerInfo read by another part carries no edition: then nothing edition-bound is claimed. */
export function asMssqlServer(server: ServerInfo): MssqlServerInfo {
  const s = server as Partial<MssqlServerInfo>;
  return {
    ...server,
    edition: s.edition ?? 'unknown edition',
    engineEdition: s.engineEdition ?? 0,
    majorVersion: s.majorVersion ?? Math.floor(server.versionNum / VERSION_NUM_MAJOR),
  };
}

export function hasMssqlCapability(s: MssqlServerInfo, c: MssqlCapability): boolean {
  return atLeast(s, c.sinceMajor) && (!c.enterpriseOnly || hasEnterpriseFeatures(s));
}

/** The capabilities this server lacks, with why: the release, the edition, or both. */
export function missingCapabilities(s: MssqlServerInfo): { capability: MssqlCapability; why: string }[] {
  return MSSQL_CAPABILITIES.filter((c) => !hasMssqlCapability(s, c)).map((c) => {
    const reasons = [
      ...(atLeast(s, c.sinceMajor) ? [] : [`${releaseLabel(c.sinceMajor)}+`]),
      ...(c.enterpriseOnly && !hasEnterpriseFeatures(s) ? ['Enterprise'] : []),
    ];
    return { capability: c, why: reasons.join(', ') };
  });
}

export function mssqlCapabilityRows(server: ServerInfo): CapabilityRow[] {
  const s = asMssqlServer(server);
  return MSSQL_CAPABILITIES.map((c) => ({
    id: c.id,
    feature: c.feature,
    since: releaseLabel(c.sinceMajor),
    available: hasMssqlCapability(s, c),
    otherwise: c.otherwise,
  }));
}

export function versionNumOf(productVersion: string): number {
  const [major = 0, minor = 0, build = 0] = productVersion.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return major * VERSION_NUM_MAJOR + minor * 100_000 + Math.min(build, 99_999);
}
