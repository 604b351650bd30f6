/**
 * `schemashift import`: a dialect reads a plain SQL migration and says, statement by statement, which plan steps
 * it becomes. The parse tree stays in the dialect's folder; what comes out is plan-shaped data and the reasons.
 */

export type ImportPhase = 'expand' | 'migrate' | 'contract';

/** One plan step the statement becomes: `{ create_index: {...} }`, the phase it belongs to, and why. */
export interface ImportedStep {
  phase: ImportPhase;
  step: Record<string, unknown>;
  decision: string;
  /** Tables this step reads or changes beyond what its spec names (raw SQL: the tables the statement names). */
  touches?: string[];
  /** Which part of its statement the step came from (an ALTER TABLE subcommand); steps of one part are one recipe. */
  unit?: number;
}

/** One statement of the migration and what became of it. */
export interface ImportedStatement {
  /** 1-based position of the statement's first character in the file. */
  line: number;
  col: number;
  /** The statement's first words, for the comment above its steps. */
  summary: string;
  /** What the statement became; empty when it was dropped. */
  steps: ImportedStep[];
  /** Why the statement was left out of the plan (transaction control, migration-tool bookkeeping…). */
  dropped?: string;
  /** Kept as a raw `sql` step because no safe operation expresses it. */
  raw?: boolean;
}

/** What the importer remembers across the files of one import (a column's type for a later rename). */
export interface ImportMemory {
  columnTypes: Map<string, string>;
  indexTables: Map<string, string>;
  /** Partitioned tables (`schema.table`), created by the import or read with --database: no CONCURRENTLY index. */
  partitionedTables: Set<string>;
  /**
   * Names (`schema.name`) of the constraints, and of the relations (tables, indexes), the import creates: a name
   * PostgreSQL generates is numbered past those (`…_check1`), as the server numbers it past the catalog's.
   */
  constraintNames: Set<string>;
  relationNames: Set<string>;
}

export type ImportRead =
  | { ok: true; statements: ImportedStatement[]; notes?: string[] }
  | { ok: false; error: { message: string; line: number; col: number; hint?: string } };

export interface MigrationImporter {
  /** Loads the parser once. */
  load(): Promise<void>;
  /** Reads one migration file's text; `memory` carries what earlier files of the same import created. */
  read(sql: string, memory: ImportMemory): ImportRead;
}

/** A dialect whose SQL `import` does not read: the message and the way instead. */
export interface ImportRefusal {
  readonly refusal: { message: string; hint: string };
}

export const newImportMemory = (): ImportMemory => ({
  columnTypes: new Map(),
  indexTables: new Map(),
  partitionedTables: new Set(),
  constraintNames: new Set(),
  relationNames: new Set(),
});
