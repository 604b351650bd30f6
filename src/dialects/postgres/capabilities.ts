/** What zero-downtime changes rely on, the PostgreSQL version that brought it, and what happens before. */

export interface Capability {
  id: string;
  /** What it gives, in a few words. */
  feature: string;
  /** server_version_num of the first release that has it. */
  since: number;
  /** What happens on an older server. */
  otherwise: string;
}

export const OLDEST_SUPPORTED = 120000;

export const CAPABILITIES: readonly Capability[] = [
  {
    id: 'constant-default-no-rewrite',
    feature: 'ADD COLUMN … DEFAULT <constant> without a table rewrite',
    since: 110000,
    otherwise: 'the whole table is rewritten under ACCESS EXCLUSIVE',
  },
  {
    id: 'set-not-null-skips-scan',
    feature: 'SET NOT NULL skips the scan when a validated CHECK (col IS NOT NULL) exists',
    since: 120000,
    otherwise: 'SET NOT NULL scans the whole table under ACCESS EXCLUSIVE, blocking reads and writes',
  },
  {
    id: 'reindex-concurrently',
    feature: 'REINDEX CONCURRENTLY (rebuild an invalid or bloated index in place)',
    since: 120000,
    otherwise: 'a syntax error: drop the index CONCURRENTLY and create it again instead',
  },
  {
    id: 'index-build-progress',
    feature: 'pg_stat_progress_create_index (progress of index builds)',
    since: 120000,
    otherwise: 'index builds run without progress figures',
  },
  {
    id: 'create-or-replace-trigger',
    feature: 'CREATE OR REPLACE TRIGGER',
    since: 140000,
    otherwise: 'a syntax error: DROP TRIGGER IF EXISTS, then CREATE TRIGGER, in one transaction',
  },
  {
    id: 'detach-partition-concurrently',
    feature: 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY',
    since: 140000,
    otherwise: 'a syntax error: a plain DETACH PARTITION takes ACCESS EXCLUSIVE on the parent',
  },
  {
    id: 'client-connection-check',
    feature: 'client_connection_check_interval (a statement stops when its client is gone)',
    since: 140000,
    otherwise:
      'a killed runner leaves its last statement (an index build, a VALIDATE) running on the server until it ends',
  },
  {
    id: 'merge',
    feature: 'MERGE',
    since: 150000,
    otherwise: 'a syntax error: use INSERT … ON CONFLICT',
  },
  {
    id: 'nulls-not-distinct',
    feature: 'UNIQUE … NULLS NOT DISTINCT',
    since: 150000,
    otherwise:
      'a syntax error: NULLs never conflict in a unique index; the safe way there: make the key columns NOT NULL ' +
      '(set_not_null), or build a unique index on COALESCE of them (create_index with expressions, unique: true)',
  },
];

export function capability(id: string): Capability {
  const found = CAPABILITIES.find((c) => c.id === id);
  if (!found) throw new Error(`internal: no capability ${id}`);
  return found;
}

/** 120000 → "12", 90600 → "9.6". */
export function versionLabel(versionNum: number): string {
  return versionNum >= 100000
    ? String(Math.floor(versionNum / 10000))
    : `${Math.floor(versionNum / 10000)}.${Math.floor(versionNum / 100) % 100}`;
}

export function hasCapability(versionNum: number, id: string): boolean {
  return versionNum >= capability(id).since;
}
