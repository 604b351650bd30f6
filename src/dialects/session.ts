/** Session and transaction statements: timeouts, transaction control, invalid-index repair. */

/** A statement with `$n` parameters and their values. */
export interface BoundSql {
  sql: string;
  params: unknown[];
}

/** Settings for the statements that follow; an absent one is left as it is. */
export interface SessionSettings {
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** False: a commit does not wait for the log to reach disk (a crash may undo the last commits). */
  synchronousCommit?: boolean;
}

/** `transaction`: until the current transaction ends; `session`: until changed or the session ends. */
export type SettingScope = 'transaction' | 'session';

export interface TransactionSql {
  begin: string;
  /** Begins a transaction in which every write fails. */
  beginReadOnly: string;
  /** Makes the transaction just begun read-only (the first statement after `begin`). */
  readOnly: string;
  commit: string;
  rollback: string;
}

/** Asking the server to notice a vanished client while a statement runs, where it can. */
export interface ConnectionCheckSql {
  /** One row, one column: the server's version number. */
  serverVersion: string;
  /** The statement that turns the check on for a server of `version`; undefined where it has none. */
  enable(version: number): string | undefined;
}

export interface SessionSql {
  /** One script of the statements that apply `settings` for `scope`, in a fixed order. */
  settings(settings: SessionSettings, scope: SettingScope): string;
  transaction: TransactionSql;
  connectionCheck: ConnectionCheckSql;
  /** One row `{ invalid: boolean }`: true when `qualifiedIndex` is left over from a failed online build. */
  invalidIndex(qualifiedIndex: string): BoundSql;
  /** Drops such a leftover without blocking writes (outside a transaction block). */
  dropInvalidIndex(qualifiedIndex: string): string;
  /** How the leftover of a failed online build is described to people. */
  invalidIndexMessage(index: string): string;
}
