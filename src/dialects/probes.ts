/**
 * Catalog checks: queries that tell whether a step's effect is already in place (one row, one
 * boolean), what an object by a name looks like now, and a few read-only checks steps run.
 * Tables and objects are named as in the plan; the dialect resolves them as its statements do.
 */
import type { CalledRoutine, IndexKeyOptions, StorageParameters } from './actions-table.js';

/** A schema object a step creates, removes or changes, with as much of its definition as the plan states. */
export type DbObject =
  | { kind: 'column'; table: string; name: string; type?: string; nullable?: boolean; default?: string }
  | {
      kind: 'index';
      table: string;
      name: string;
      columns?: string[];
      /** Per entry of `columns`: its options (absent: the defaults). */
      columnOptions?: (IndexKeyOptions | undefined)[];
      expressions?: string[];
      unique?: boolean;
      nullsNotDistinct?: boolean;
      where?: string;
      include?: string[];
      method?: string;
      storage?: StorageParameters;
      tablespace?: string;
    }
  | {
      kind: 'constraint';
      table: string;
      name: string;
      type?: 'check' | 'foreign key' | 'unique' | 'primary key';
      expression?: string;
      columns?: string[];
      references?: {
        table: string;
        columns: string[];
        onDelete?: string;
        /** ON DELETE SET NULL / SET DEFAULT of only these columns (absent: all of the key). */
        onDeleteColumns?: string[];
        onUpdate?: string;
        match?: 'simple' | 'full';
      };
      /** Absent: NOT DEFERRABLE. */
      deferrable?: { initiallyDeferred: boolean };
      /** A CHECK that is NO INHERIT. */
      noInherit?: boolean;
      /** The plan validates it (a later VALIDATE step): an existing NOT VALID one is not the same. */
      validated?: boolean;
    }
  | { kind: 'trigger'; table: string; name: string; function: string }
  | { kind: 'function'; name: string }
  | { kind: 'materialized view'; name: string; query?: string }
  | { kind: 'table'; name: string; columns?: { name: string; type: string; nullable: boolean }[] }
  | { kind: 'view'; name: string }
  /** What a view over another database stands on (create_materialized_view `source:`); see foreign-objects.ts. */
  | { kind: 'extension'; name: string }
  | {
      kind: 'foreign server';
      name: string;
      wrapper: string;
      connection?: { host: string; port: string; dbname: string };
    }
  /** The runner's (current user's) mapping on the server `name`. */
  | { kind: 'user mapping'; name: string }
  | { kind: 'schema'; name: string }
  /** Something of a table that is changed, never created (`comment`, `replica identity`): nothing to adopt. */
  | { kind: 'table property'; table: string; name: string };

export interface Probes {
  columnExists(table: string, column: string): string;
  /** The column exists with this type (typmod aside): a column of another type is not "done". */
  columnExistsWithType(table: string, column: string, type: string): string;
  columnAbsent(table: string, column: string): string;
  columnNotNull(table: string, column: string): string;
  columnNullable(table: string, column: string): string;
  /** The column exists with this base type (a typmod such as varchar(255) is not compared). */
  columnHasType(table: string, column: string, type: string): string;
  /** A *valid* index by that name in the table's schema; the leftover of a failed online build does not count. */
  validIndexExists(index: string, table: string): string;
  indexAbsent(index: string, table: string): string;
  constraintExists(table: string, constraint: string): string;
  constraintValidated(table: string, constraint: string): string;
  constraintAbsent(table: string, constraint: string): string;
  triggerExists(table: string, trigger: string): string;
  triggerAbsent(table: string, trigger: string): string;
  relationExists(name: string): string;
  relationAbsent(name: string): string;
  /** After a build-beside swap: the old relation is parked under `retired` and `building` is gone. */
  relationsSwapped(building: string, retired: string): string;
  /** True when any of the given probes is true: an effect can be in place in more than one shape. */
  anyOf(...probes: string[]): string;
  /**
   * The definition of the object by that name as it exists now: one row, one column `def` (JSON),
   * NULL when nothing by that name exists. `src/runner/ownership.ts` compares it with the plan's.
   */
  objectDefinition(o: DbObject): string;
  /** How the row `objectDefinition` returned differs from the plan's definition (empty: the same). */
  definitionDifferences(o: DbObject, live: Record<string, unknown>): string[];
  /**
   * The volatile routines among `calls`, one row (`fn`) each, for every overload the name can
   * resolve to (conservative): a qualified name in its schema, a bare one among those visible.
   */
  volatileCalls(calls: CalledRoutine[]): string;
  /** How many rows of a shadow-read mismatch table were recorded in the last `sinceMs` (one count). */
  recentMismatches(table: string, sinceMs: number, repository?: string): string;
}
