/**
 * Neutral actions that create and drop whole tables (create_table, drop_table). Every constraint
 * arrives named (the operation names column shorthands deterministically); SQL text appears only
 * where the plan wrote it (types, defaults, generated expressions, CHECK conditions).
 */
import type { ReferentialAction } from './actions-table.js';

export interface NewTableColumn {
  name: string;
  /** As the plan wrote it: serial types allowed (a new, empty table). */
  type: string;
  notNull: boolean;
  default?: string;
  /** GENERATED ALWAYS AS (expression) STORED. */
  generated?: string;
  identity?: { always: boolean; start?: number; increment?: number };
  comment?: string;
}

/** Options of the index behind a UNIQUE or PRIMARY KEY constraint. */
export interface ConstraintIndexOptions {
  include?: string[];
  /** Storage parameters of the index (`fillfactor: 70`). */
  with?: Record<string, string | number | boolean>;
  tablespace?: string;
}

export interface ConstraintTiming {
  deferrable?: boolean;
  initiallyDeferred?: boolean;
}

export type NewTableConstraint =
  | ({ type: 'primary key'; name: string; columns: string[]; index?: ConstraintIndexOptions } & ConstraintTiming)
  | ({
      type: 'unique';
      name: string;
      columns: string[];
      nullsNotDistinct?: boolean;
      index?: ConstraintIndexOptions;
    } & ConstraintTiming)
  | { type: 'check'; name: string; expression: string; noInherit?: boolean }
  | ({
      type: 'foreign key';
      name: string;
      columns: string[];
      /** `columns` absent: the referenced table's primary key. */
      references: { table: string; columns?: string[] };
      onDelete?: ReferentialAction;
      onUpdate?: ReferentialAction;
      match?: 'simple' | 'full';
    } & ConstraintTiming);

/** A new table with its constraints and comments, in one transaction. */
export interface CreateTableAction {
  kind: 'create-table';
  name: string;
  columns: NewTableColumn[];
  constraints: NewTableConstraint[];
  comment?: string;
}

/** Drop a table, never what depends on it: refused (with the dependents named) when anything does. */
export interface DropTableAction {
  kind: 'drop-table';
  name: string;
}

export type CreateTableActions = CreateTableAction | DropTableAction;
