/**
 * A split T-SQL statement described for the operations: a label from its leading keywords, the table
 * lock it takes (the worst case: a statement read only in part, or not at all, takes Sch-M), whether it
 * controls the transaction, and whether SQL Server refuses it inside a user transaction.
 */
import type { ScriptStatement } from '../parser.js';
import type { LockInfo } from '../../operations/types.js';
import { isSymbol, isWord, type Token } from './tsql-lexer.js';
import { readAlterTable, type AlterAction } from './tsql-script-alter.js';
import { strongestTsqlLock, tsqlLock } from './tsql-script-locks.js';
import { readName, tableAt, tableText, topLevel, withOptions } from './tsql-script-read.js';
import { readCreateIndex, readDataChange, readRename, renamedParts } from './tsql-script-shapes.js';
import type { TsqlStatement } from './tsql-script-split.js';
import { moduleOf } from './tsql-script-structure.js';

/** One statement can hold about 5,000 row or page locks on a table before SQL Server escalates to a table lock. */
export const LOCK_ESCALATION_THRESHOLD = 5000;

const OBJECT_WORDS = ['OR', 'ALTER', ...['UNIQUE', 'CLUSTERED', 'NONCLUSTERED', 'COLUMNSTORE', 'XML', 'SPATIAL']];

/** `create_index`, `alter_table`, `create_or_alter_view`, `update`, `begin_transaction`. */
function labelOf(tokens: Token[]): string {
  const [first, second] = tokens;
  if (!first || first.kind !== 'word') return 'unknown';
  if (isWord(first, 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVE') && isWord(second, 'TRAN', 'TRANSACTION', 'DISTRIBUTED')) {
    return `${first.value.toLowerCase()}_transaction`;
  }
  if (isWord(first, 'CREATE', 'ALTER', 'DROP')) {
    let i = 1;
    while (isWord(tokens[i], ...OBJECT_WORDS)) i += 1;
    const object = tokens[i];
    return object?.kind === 'word' ? `${first.value}_${object.value}`.toLowerCase() : first.value.toLowerCase();
  }
  if (readRename(tokens)) return 'rename';
  return isWord(first, 'EXECUTE') ? 'exec' : first.value.toLowerCase();
}

const TRANSACTION_WORDS = ['TRAN', 'TRANSACTION', 'DISTRIBUTED', 'WORK'];

function controlsTransaction(tokens: Token[]): boolean {
  const [first, second] = tokens;
  if (isWord(first, 'BEGIN')) return isWord(second, 'TRAN', 'TRANSACTION', 'DISTRIBUTED');
  return isWord(first, 'COMMIT', 'ROLLBACK') && (second === undefined || isWord(second, ...TRANSACTION_WORDS));
}

/**
 * Statements SQL Server refuses in a user transaction ("Transact-SQL statements allowed in transactions"),
 * and resumable index operations, which "can't be executed within an explicit transaction"
 * (learn.microsoft.com/sql/t-sql/statements/create-index-transact-sql#resumable-indexes).
 */
function ownTransactionReason(tokens: Token[]): string | undefined {
  const [first, second, third] = tokens;
  if (isWord(first, 'BACKUP', 'RESTORE', 'RECONFIGURE')) return first?.value;
  if (isWord(first, 'CREATE', 'ALTER', 'DROP') && isWord(second, 'DATABASE')) return `${first?.value} DATABASE`;
  if (isWord(first, 'CREATE', 'ALTER', 'DROP') && isWord(second, 'FULLTEXT') && isWord(third, 'CATALOG', 'INDEX')) {
    return `${first?.value} FULLTEXT ${third?.value}`;
  }
  const resumable = withOptions(tokens, 1).get('RESUMABLE') === 'ON';
  if (resumable && isWord(first, 'CREATE') && readCreateIndex('', tokens))
    return 'CREATE INDEX … WITH (RESUMABLE = ON)';
  if (resumable && isWord(first, 'ALTER') && isWord(second, 'INDEX'))
    return 'ALTER INDEX … REBUILD WITH (RESUMABLE = ON)';
  return undefined;
}

function alterActionLock(table: string, action: AlterAction): LockInfo {
  if (action.kind === 'alter_column' && action.online) return tsqlLock('IS', [table]);
  const referenced = action.kind === 'add_constraint' && action.references ? [action.references] : [];
  return tsqlLock('Sch-M', [table, ...referenced]);
}

/** The tables a SELECT reads: each top-level name after FROM or JOIN. */
function tablesRead(tokens: Token[]): string[] {
  return topLevel(tokens)
    .filter((t) => isWord(t.token, 'FROM', 'JOIN'))
    .flatMap((t) => tableAt(tokens, t.index + 1)?.table ?? []);
}

function dataChangeLock(tokens: Token[]): LockInfo | undefined {
  const change = readDataChange(tokens);
  if (!change) return undefined;
  if (change.table === undefined || change.table.startsWith('#')) return tsqlLock('none', []);
  const few = change.values || (change.top !== undefined && change.top < LOCK_ESCALATION_THRESHOLD);
  // Past ~5,000 locks SQL Server escalates the row locks to an X lock on the whole table.
  return tsqlLock(few ? 'IX' : 'X', [change.table]);
}

/** CREATE/ALTER/DROP of a view, procedure, function or trigger, and other statements naming one object. */
function objectLock(tokens: Token[]): LockInfo | undefined {
  const module = moduleOf(tokens);
  const last = (s: string | undefined) => s?.split(' ').pop();
  const kind = module ? last(module) : isWord(tokens[0], 'DROP') ? tokens[1]?.value : undefined;
  if (!kind || !['VIEW', 'PROC', 'PROCEDURE', 'FUNCTION', 'TRIGGER'].includes(kind)) return undefined;
  const nameAt = tokens.findIndex((t, i) => i > 0 && t.kind === 'word' && t.value === kind) + 1;
  const name = readName(tokens, isWord(tokens[nameAt], 'IF') ? nameAt + 2 : nameAt);
  if (!name) return undefined;
  if (kind === 'TRIGGER') {
    const on = isWord(tokens[name.next], 'ON') ? tableAt(tokens, name.next + 1) : undefined;
    return tsqlLock('Sch-M', on ? [on.table] : []);
  }
  // A new module locks nothing anyone uses; replacing or dropping one waits for and blocks its callers.
  const fresh = isWord(tokens[0], 'CREATE') && !isWord(tokens[1], 'OR');
  return fresh ? tsqlLock('none', []) : tsqlLock('Sch-M', [tableText(name.parts)]);
}

function indexLock(sql: string, tokens: Token[]): LockInfo | undefined {
  const index = readCreateIndex(sql, tokens);
  if (index) return tsqlLock(index.online ? 'IS' : index.clustered ? 'Sch-M' : 'S', [index.table]);
  if (!isWord(tokens[0], 'ALTER', 'DROP') || !isWord(tokens[1], 'INDEX')) return undefined;
  const on = topLevel(tokens, 2)
    .filter((t) => isWord(t.token, 'ON'))
    .flatMap((t) => tableAt(tokens, t.index + 1)?.table ?? []);
  const online = isWord(tokens[0], 'ALTER') && withOptions(tokens, 2).get('ONLINE') === 'ON';
  const reorganize = topLevel(tokens, 2).some((t) => isWord(t.token, 'REORGANIZE', 'RESUME'));
  return tsqlLock(online || reorganize ? 'IS' : 'Sch-M', on);
}

function renameLock(tokens: Token[]): LockInfo | undefined {
  const rename = readRename(tokens);
  return rename ? tsqlLock('Sch-M', [renamedParts(rename).table]) : undefined;
}

const NO_TABLE_LOCK = ['SET', 'DECLARE', 'PRINT', 'WAITFOR', 'RAISERROR', 'THROW', 'BACKUP', 'RECONFIGURE', 'SAVE'];

/** Sch-M on the table a statement names after TABLE or ON, or on nothing known. */
function unknownLock(tokens: Token[]): LockInfo {
  const named = topLevel(tokens).find((t) => isWord(t.token, 'TABLE', 'ON') && tableAt(tokens, t.index + 1));
  return tsqlLock('Sch-M', named ? [tableAt(tokens, named.index + 1)?.table ?? ''] : []);
}

function lockOf(sql: string, tokens: Token[]): LockInfo {
  const [first, second] = tokens;
  if (controlsTransaction(tokens) || isWord(first, ...NO_TABLE_LOCK)) return tsqlLock('none', []);
  const alter = readAlterTable(sql, tokens);
  if (alter) return strongestTsqlLock(alter.actions.map((a) => alterActionLock(alter.table, a)));
  if (isWord(first, 'SELECT')) return tsqlLock(tablesRead(tokens).length > 0 ? 'IS' : 'none', tablesRead(tokens));
  if (isWord(first, 'UPDATE') && isWord(second, 'STATISTICS')) {
    return tsqlLock('Sch-S', tableAt(tokens, 2) ? [tableAt(tokens, 2)?.table ?? ''] : []);
  }
  const known = dataChangeLock(tokens) ?? indexLock(sql, tokens) ?? renameLock(tokens) ?? objectLock(tokens);
  if (known) return known;
  if (isWord(first, 'CREATE', 'DROP', 'TRUNCATE') && isWord(second, 'TABLE')) {
    const at = isWord(tokens[2], 'IF') ? 4 : 2;
    const names = topLevel(tokens, at).filter((t, i) => i === 0 || isSymbol(tokens[t.index - 1], ','));
    return tsqlLock(
      'Sch-M',
      names.flatMap((t) => tableAt(tokens, t.index)?.table ?? []),
    );
  }
  return unknownLock(tokens);
}

export function describeStatement(sql: string, statement: TsqlStatement): ScriptStatement {
  const { tokens } = statement;
  const described: ScriptStatement = {
    text: statement.text,
    offset: statement.offset,
    label: labelOf(tokens),
    controlsTransaction: controlsTransaction(tokens),
    lock: lockOf(sql, tokens),
  };
  const reason = ownTransactionReason(tokens);
  if (reason) described.ownTransactionReason = reason;
  const index = readCreateIndex(sql, tokens);
  if (index?.online) described.buildsIndex = { name: index.name, table: index.table };
  return described;
}
