/**
 * What a database error means to the runner, whatever code the database gave it: the runner
 * branches on these classes and never compares a raw error code.
 */
export type ErrorClass =
  /** The statement waited longer than the lock timeout for a lock. */
  | 'lockTimeout'
  /** The database broke a deadlock by failing this statement. */
  | 'deadlock'
  /** The statement ran longer than the statement timeout. */
  | 'statementTimeout'
  /** The backend went away (terminated, server restart, network): reconnect and resume. */
  | 'connectionLost'
  /** A write was attempted in a read-only transaction. */
  | 'readOnly'
  /** A serializable transaction could not be serialized; it may be retried. */
  | 'serialization'
  | 'other';

export interface ErrorClassifier {
  classify(error: unknown): ErrorClass;
}

/** The attempt waited for a lock and lost (timeout or deadlock): retried after a backoff. */
export function isLockWait(errorClass: ErrorClass): errorClass is 'lockTimeout' | 'deadlock' {
  return errorClass === 'lockTimeout' || errorClass === 'deadlock';
}
