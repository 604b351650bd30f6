/**
 * build-index and drop-index in T-SQL: nonclustered rowstore indexes, built ONLINE and RESUMABLE
 * where SQL Server allows it (CREATE INDEX, "Resumable indexes" and "WAIT_AT_LOW_PRIORITY with online
 * index operations": learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql).
 */
import type { Rendered, Unsupported } from '../actions.js';
import type { BuildIndexAction, DropIndexAction } from '../actions-table.js';
import { ident, identList, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { ENGINE_EDITION, ONLINE_EDITIONS, type MssqlDdlOptions } from './ddl-options.js';
import { mssqlProbes as probes } from './ddl-probes.js';

const refuse = (unsupported: string, instead: string): Unsupported => ({ unsupported, instead });

/** What PostgreSQL index features have no SQL Server counterpart. */
function unsupportedIndex(a: BuildIndexAction): Unsupported | undefined {
  if (a.method !== 'btree')
    return refuse(`SQL Server has no ${a.method} index method`, 'use a btree index, or write the index in raw sql');
  if ((a.expressions ?? []).length > 0 || (a.columns ?? []).length === 0) {
    return refuse(
      'SQL Server cannot index an expression',
      'add a PERSISTED computed column for the expression in an earlier step and index that column',
    );
  }
  const options = (a.columnOptions ?? []).filter((o) => o !== undefined);
  if (options.some((o) => o.nulls !== undefined || o.opclass !== undefined || o.collation !== undefined)) {
    return refuse(
      'SQL Server index keys take only ASC or DESC (no NULLS FIRST/LAST, operator class or collation)',
      'drop those key options (NULLs sort first ascending), or change the column collation first',
    );
  }
  if (a.tablespace !== undefined) {
    return refuse(
      'a PostgreSQL tablespace is not a SQL Server filegroup',
      'write the CREATE INDEX … ON [filegroup] in raw sql',
    );
  }
  const storage = Object.keys(a.storage ?? {}).filter((k) => k.toLowerCase() !== 'fillfactor');
  if (storage.length > 0) {
    return refuse(`SQL Server has no index storage parameter ${storage.join(', ')}`, 'keep only fillfactor');
  }
  return undefined;
}

/**
 * ONLINE = ON (Enterprise, Developer, Azure SQL; Standard edition refuses it); RESUMABLE unless the
 * index is filtered (not supported for a filtered index); WAIT_AT_LOW_PRIORITY only from 2022.
 */
function withOptions(a: BuildIndexAction, o: MssqlDdlOptions): string[] {
  const fill = Object.entries(a.storage ?? {}).map(([, v]) => `FILLFACTOR = ${Number(v)}`);
  if (!a.online) return fill;
  const lowPriority =
    o.version >= 2022
      ? ` (WAIT_AT_LOW_PRIORITY (MAX_DURATION = ${o.lowPriorityWaitMinutes} MINUTES, ABORT_AFTER_WAIT = SELF))`
      : '';
  const resumable = a.where ? [] : ['RESUMABLE = ON', `MAX_DURATION = ${o.resumableMaxMinutes} MINUTES`];
  return [...fill, `ONLINE = ON${lowPriority}`, ...resumable];
}

export function createIndexSql(a: BuildIndexAction, o: MssqlDdlOptions): string {
  const keys = (a.columns ?? []).map((c, i) => {
    const sort = a.columnOptions?.[i]?.sort;
    return sort === undefined ? ident(c) : `${ident(c)} ${sort.toUpperCase()}`;
  });
  const parts = [
    `CREATE ${a.unique ? 'UNIQUE ' : ''}NONCLUSTERED INDEX ${ident(a.name)} ON ${qualified(a.table)} (${keys.join(', ')})`,
  ];
  if (a.include && a.include.length > 0) parts.push(`INCLUDE (${identList(a.include)})`);
  if (a.where) parts.push(`WHERE ${a.where}`);
  const options = withOptions(a, o);
  if (options.length > 0) parts.push(`WITH (${options.join(', ')})`);
  return parts.join(' ');
}

/**
 * Editions without online index builds (Standard, Express, Web: EngineEdition other than 3, 5 and 8)
 * would refuse ONLINE = ON; the step says why and how to allow the offline build, before anything runs.
 */
export const ONLINE_EDITION_GUARD =
  `IF ${ENGINE_EDITION} NOT IN ${ONLINE_EDITIONS} THROW 50000, ` +
  "N'this SQL Server edition builds indexes offline only, blocking writes for the whole build: set concurrently: false " +
  "on the step to allow that, or run it on Enterprise, Developer or Azure SQL', 1";

/**
 * Online: IS for the build, S briefly at its start and end. Offline: S for the whole build (writes
 * wait). A RESUMABLE statement cannot run inside an explicit transaction; running the same statement
 * again resumes a paused build, so no leftover index is reported for the runner to drop.
 */
export function buildIndex(a: BuildIndexAction, o: MssqlDdlOptions): Rendered | Unsupported {
  const refused = unsupportedIndex(a);
  if (refused) return refused;
  return {
    sql: a.online ? `${ONLINE_EDITION_GUARD};\n${createIndexSql(a, o)}` : createIndexSql(a, o),
    lock: mssqlLock(a.online ? 'IS' : 'S', [a.table]),
    transactional: !a.online,
    probe: probes.indexExists(a.table, a.name, a.doneWhenConstraint),
  };
}

/** ONLINE = ON drops only a clustered index; a nonclustered one goes under a short Sch-M (metadata only). */
export function dropIndex(a: DropIndexAction): Rendered {
  return {
    sql: `DROP INDEX IF EXISTS ${ident(a.name)} ON ${qualified(a.table)}`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.indexAbsent(a.table, a.name),
  };
}
