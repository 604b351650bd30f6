/** What a database dialect can do, how it spells names and values, and the parts that own its SQL. */
import type { ActivitySql } from './activity.js';
import type { DdlRenderer, LockImpact } from './actions.js';
import type { BackfillSql } from './backfill.js';
import type { DoctorChecks } from './doctor.js';
import type { ErrorClassifier } from './errors.js';
import type { ImportRefusal, MigrationImporter } from './import.js';
import type { Introspector } from './introspect.js';
import type { SqlParser } from './parser.js';
import type { Probes } from './probes.js';
import type { RunnerLockSql } from './runner-lock.js';
import type { SessionSql } from './session.js';
import type { StateSql } from './state.js';
import type { ReplicationRefusal, ReplicationSql } from './replication.js';
import type { ViewRefreshRefusal, ViewRefreshSql } from './view-refresh.js';

export type DialectName = 'postgres' | 'mssql';

export interface DialectCapabilities {
  /** DDL can run inside a transaction block and roll back. */
  transactionalDdl: boolean;
  /** Indexes can be built without blocking writes (CONCURRENTLY / ONLINE = ON). */
  onlineIndexBuild: boolean;
  /** Constraints can be added without checking existing rows, then validated later. */
  deferredConstraintValidation: boolean;
  /**
   * A sync trigger fills the new column before NOT NULL and CHECK constraints are checked (PostgreSQL's
   * BEFORE row trigger). False where only AFTER triggers exist (SQL Server): a constraint on the filled
   * column then fails the writes of the version that leaves it out, so it waits for contract.
   */
  syncFillsBeforeConstraints: boolean;
  /** An index built online can become a UNIQUE or PRIMARY KEY constraint (PostgreSQL's USING INDEX). */
  attachesIndexToConstraint: boolean;
}

/** Names and literals: all an operation needs to spell a plan's text into a statement. */
export interface DialectNames {
  /** A single identifier, quoted only when it must be (mixed case, keyword, special character). */
  ident(name: string): string;
  /** A possibly schema-qualified name such as `public.orders`, each part quoted as needed. */
  qualified(name: string): string;
  /** A string literal. */
  literal(value: string): string;
}

/** Conditions and conversions operations build around plan expressions (already parenthesised where needed). */
export interface DialectExpressions {
  /** True when `a` and `b` differ, a NULL equal to a NULL and different from any value. */
  distinct(a: string, b: string): string;
  /** The negation of `distinct`. */
  notDistinct(a: string, b: string): string;
  /** `expression` converted to `type`. */
  cast(expression: string, type: string): string;
}

/** How step summaries name what the dialect does differently (`plan`, progress lines, status). */
export interface DialectWording {
  /** A constraint added without checking existing rows: `NOT VALID`, `WITH NOCHECK`. */
  readonly unvalidated: string;
  /** The NOT NULL recipe's step that makes the column NOT NULL, given the helper CHECK. */
  setNotNull(table: string, column: string, check: string): string;
}

/**
 * A database: every SQL string schemashift sends is written by one of these parts. Each dialect is
 * one folder, `src/dialects/<name>/`, with one file per part; the compiler checks it is complete.
 */
export interface Dialect extends DialectNames {
  readonly name: DialectName;
  readonly capabilities: DialectCapabilities;
  /** What a lock of this dialect's name does to the application (an unknown name: the worst). */
  lockImpact(level: string): LockImpact;
  readonly expressions: DialectExpressions;
  readonly wording: DialectWording;
  /** Renders neutral actions into statements, locks and probes. */
  readonly ddl: DdlRenderer;
  /** Catalog checks that make steps idempotent and decide ownership. */
  readonly probes: Probes;
  /** Key discovery, bound and update statements, checkpoints, verify chunks. */
  readonly backfill: BackfillSql;
  /** Timeouts, invalid-index repair, read-only sessions. */
  readonly session: SessionSql;
  /** Lock timeouts, deadlocks, lost connections: the runner never compares a raw error code. */
  readonly errors: ErrorClassifier;
  /** The lock that keeps two runners of one plan apart. */
  readonly runnerLock: RunnerLockSql;
  /** Blockers, lock waiters, replica lag, long transactions. */
  readonly activity: ActivitySql;
  /** The state schema and its migrations. */
  readonly state: StateSql;
  /** The one catalog reader behind validate --database, test, key lookup and probes. */
  readonly introspect: Introspector;
  /** Parses and checks plan SQL fragments. */
  readonly parser: SqlParser;
  /** The preflight checks of `schemashift doctor`. */
  readonly doctor: DoctorChecks;
  /** `schemashift refresh`: materialized views, or why this database has none to refresh. */
  readonly viewRefresh: ViewRefreshSql | ViewRefreshRefusal;
  /** Blue/green over logical replication, or why this database offers none. */
  readonly replication: ReplicationSql | ReplicationRefusal;
  /** `schemashift import`: reads a plain SQL migration of this dialect into plan steps, or why it cannot. */
  readonly migrationImport: MigrationImporter | ImportRefusal;
}

/** Split a validated `schema.name` or `name` into its parts. */
export function splitQualified(name: string): { schema?: string; name: string } {
  const dot = name.indexOf('.');
  if (dot < 0) return { name };
  return { schema: name.slice(0, dot), name: name.slice(dot + 1) };
}
