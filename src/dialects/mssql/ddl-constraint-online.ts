/**
 * add_unique and add_primary_key on SQL Server: there is no ADD CONSTRAINT … USING INDEX, so the
 * constraint builds its own index in one ALTER TABLE, online where the edition allows it (ALTER TABLE
 * index_option ONLINE; learn.microsoft.com/sql/t-sql/statements/alter-table-index-option-transact-sql).
 */
import type { Rendered, Unsupported } from '../actions.js';
import type { StorageParameters } from '../actions-table.js';
import { mssqlLock } from './ddl-locks.js';
import { ENGINE_EDITION, ONLINE_EDITIONS } from './ddl-options.js';
import { mssqlProbes as probes } from './ddl-probes.js';
import { ident, identList, literal, qualified } from './sql-names.js';

/** The index options of a constraint a plan gives, for SQL Server to render or refuse. */
export interface ConstraintIndexOptions {
  include?: string[];
  storage?: StorageParameters;
  tablespace?: string;
}

/** Why SQL Server cannot build the constraint's index with these options; `noInclude` says what to do instead of INCLUDE. */
export function constraintIndexRefusal(
  o: ConstraintIndexOptions,
  noInclude: Unsupported,
  constraintWord: string,
): Unsupported | undefined {
  if (o.include) return noInclude;
  if (o.tablespace !== undefined)
    return {
      unsupported: 'a PostgreSQL tablespace is not a SQL Server filegroup',
      instead: `remove tablespace, or add the ${constraintWord} ON [filegroup] in raw sql`,
    };
  const other = Object.keys(o.storage ?? {}).filter((k) => k.toLowerCase() !== 'fillfactor');
  if (other.length > 0)
    return {
      unsupported: `SQL Server has no index storage parameter ${other.join(', ')}`,
      instead: 'keep only fillfactor',
    };
  return undefined;
}

export interface OnlineConstraint {
  table: string;
  name: string;
  columns: string[];
  storage?: StorageParameters;
  /** `UNIQUE NONCLUSTERED`, `PRIMARY KEY NONCLUSTERED`. */
  definition: string;
  /** The T-SQL variable the statement is built in. */
  variable: string;
  /** The end of the second comment line: what else the reader should know. */
  note: string;
}

/**
 * ONLINE = ON only where the edition has online builds; elsewhere the build holds its locks to the end,
 * and the comment says so. Not RESUMABLE: a resumable ADD CONSTRAINT needs 2022 and cannot run in a
 * transaction.
 */
export function onlineConstraint(c: OnlineConstraint): Rendered {
  const fill = Object.values(c.storage ?? {}).map((v) => `FILLFACTOR = ${Number(v)}`);
  const add =
    `ALTER TABLE ${qualified(c.table)} ADD CONSTRAINT ${ident(c.name)} ${c.definition} (${identList(c.columns)})` +
    (fill.length > 0 ? ` WITH (${fill.join(', ')}` : '');
  const online = fill.length > 0 ? `N', ONLINE = ON)'` : `N' WITH (ONLINE = ON)'`;
  return {
    sql: [
      '-- online where the edition allows it: reads and writes go on while the index builds, Sch-M only to switch it in;',
      `-- Standard edition builds offline (writes wait for the whole build); ${c.note}`,
      `DECLARE ${c.variable} nvarchar(max) = ${literal(add)};`,
      `IF ${ENGINE_EDITION} IN ${ONLINE_EDITIONS} SET ${c.variable} += ${online};`,
      ...(fill.length > 0 ? [`ELSE SET ${c.variable} += N')';`] : []),
      `EXEC sys.sp_executesql ${c.variable}`,
    ].join('\n'),
    lock: mssqlLock('Sch-M', [c.table]),
    transactional: true,
    probe: probes.constraintExists(c.table, c.name),
  };
}
