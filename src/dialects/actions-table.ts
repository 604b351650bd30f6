/** Neutral actions on columns, constraints and indexes (owned by the table operations). */
export type TableAction = { kind: 'placeholder-table' };
