/**
 * add_unique on SQL Server: there is no ADD CONSTRAINT … USING INDEX, so the constraint builds its own
 * index in one ALTER TABLE, online where the edition allows it (ALTER TABLE index_option ONLINE;
 * learn.microsoft.com/sql/t-sql/statements/alter-table-index-option-transact-sql).
 */
import type { Rendered, Unsupported } from '../actions.js';
import type { AddUniqueOnlineAction } from '../actions-table.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlProbes as probes } from './ddl-probes.js';
import { ident, identList, literal, qualified } from './sql-names.js';

function refusal(a: AddUniqueOnlineAction): Unsupported | undefined {
  if (a.include)
    return {
      unsupported: 'a SQL Server UNIQUE constraint has no INCLUDE columns',
      instead: 'build a unique index with create_index (unique: true, include: […]): it enforces the same',
    };
  if (a.deferrable) return { unsupported: 'SQL Server has no deferrable constraints', instead: 'remove deferrable' };
  if (a.tablespace !== undefined)
    return {
      unsupported: 'a PostgreSQL tablespace is not a SQL Server filegroup',
      instead: 'remove tablespace, or add the constraint ON [filegroup] in raw sql',
    };
  const other = Object.keys(a.storage ?? {}).filter((k) => k.toLowerCase() !== 'fillfactor');
  if (other.length > 0)
    return {
      unsupported: `SQL Server has no index storage parameter ${other.join(', ')}`,
      instead: 'keep only fillfactor',
    };
  return undefined;
}

/**
 * ONLINE = ON only where the edition has online builds (EngineEdition 3 Enterprise/Developer/Evaluation,
 * 5 Azure SQL Database, 8 Managed Instance); elsewhere the build holds its locks to the end, and the
 * comment says so. Not RESUMABLE: a resumable ADD CONSTRAINT needs 2022 and cannot run in a transaction.
 * SQL Server's UNIQUE lets one NULL in, as PostgreSQL's NULLS NOT DISTINCT.
 */
export function addUniqueOnline(a: AddUniqueOnlineAction): Rendered | Unsupported {
  const refused = refusal(a);
  if (refused) return refused;
  const fill = Object.values(a.storage ?? {}).map((v) => `FILLFACTOR = ${Number(v)}`);
  const add =
    `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${ident(a.name)} UNIQUE NONCLUSTERED (${identList(a.columns)})` +
    (fill.length > 0 ? ` WITH (${fill.join(', ')}` : '');
  const online = fill.length > 0 ? `N', ONLINE = ON)'` : `N' WITH (ONLINE = ON)'`;
  return {
    sql: [
      '-- online where the edition allows it: reads and writes go on while the index builds, Sch-M only to switch it in;',
      '-- Standard edition builds offline (writes wait for the whole build); one NULL at most, as NULLS NOT DISTINCT',
      `DECLARE @add_unique nvarchar(max) = ${literal(add)};`,
      `IF CAST(SERVERPROPERTY('EngineEdition') AS int) IN (3, 5, 8) SET @add_unique += ${online};`,
      ...(fill.length > 0 ? [`ELSE SET @add_unique += N')';`] : []),
      'EXEC sys.sp_executesql @add_unique',
    ].join('\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.constraintExists(a.table, a.name),
  };
}
