/**
 * add_primary_key on SQL Server: there is no ADD PRIMARY KEY … USING INDEX, so the key builds its own
 * index in one ALTER TABLE, online where the edition allows it (ALTER TABLE index_option ONLINE;
 * learn.microsoft.com/sql/t-sql/statements/alter-table-index-option-transact-sql).
 */
import type { Rendered, Unsupported } from '../actions.js';
import type { AddPrimaryKeyOnlineAction } from '../actions-constraints.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlProbes as probes } from './ddl-probes.js';
import { ident, identList, literal, qualified } from './sql-names.js';

function refusal(a: AddPrimaryKeyOnlineAction): Unsupported | undefined {
  if (a.include)
    return {
      unsupported: 'a SQL Server PRIMARY KEY constraint has no INCLUDE columns',
      instead: 'remove include, and build a covering index with create_index (include: […]) if queries need one',
    };
  if (a.tablespace !== undefined)
    return {
      unsupported: 'a PostgreSQL tablespace is not a SQL Server filegroup',
      instead: 'remove tablespace, or add the key ON [filegroup] in raw sql',
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
 * NONCLUSTERED: a clustered key would rebuild the whole table (its rows move into the new index).
 * ONLINE = ON only where the edition has online builds (EngineEdition 3 Enterprise/Developer/Evaluation,
 * 5 Azure SQL Database, 8 Managed Instance); elsewhere the build holds its locks to the end, and the
 * comment says so. Not RESUMABLE: a resumable ADD CONSTRAINT needs 2022 and cannot run in a transaction.
 */
export function addPrimaryKeyOnline(a: AddPrimaryKeyOnlineAction): Rendered | Unsupported {
  const refused = refusal(a);
  if (refused) return refused;
  const fill = Object.values(a.storage ?? {}).map((v) => `FILLFACTOR = ${Number(v)}`);
  const add =
    `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${ident(a.name)} PRIMARY KEY NONCLUSTERED ` +
    `(${identList(a.columns)})` +
    (fill.length > 0 ? ` WITH (${fill.join(', ')}` : '');
  const online = fill.length > 0 ? `N', ONLINE = ON)'` : `N' WITH (ONLINE = ON)'`;
  return {
    sql: [
      '-- online where the edition allows it: reads and writes go on while the index builds, Sch-M only to switch it in;',
      '-- Standard edition builds offline (writes wait for the whole build); NONCLUSTERED: the table is not rebuilt',
      `DECLARE @add_primary_key nvarchar(max) = ${literal(add)};`,
      `IF CAST(SERVERPROPERTY('EngineEdition') AS int) IN (3, 5, 8) SET @add_primary_key += ${online};`,
      ...(fill.length > 0 ? [`ELSE SET @add_primary_key += N')';`] : []),
      'EXEC sys.sp_executesql @add_primary_key',
    ].join('\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.constraintExists(a.table, a.name),
  };
}
