/** What a database dialect can do and how it spells names and values. Pure: no I/O. */
export type DialectName = 'postgres' | 'mssql';

export interface DialectCapabilities {
  /** DDL can run inside a transaction block and roll back. */
  transactionalDdl: boolean;
  /** Indexes can be built without blocking writes (CONCURRENTLY / ONLINE = ON). */
  onlineIndexBuild: boolean;
  /** Constraints can be added without checking existing rows, then validated later. */
  deferredConstraintValidation: boolean;
}

export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: DialectCapabilities;
  /** A single identifier, quoted only when it must be (mixed case, keyword, special character). */
  ident(name: string): string;
  /** A possibly schema-qualified name such as `public.orders`, each part quoted as needed. */
  qualified(name: string): string;
  /** A string literal. */
  literal(value: string): string;
}

/** Split a validated `schema.name` or `name` into its parts. */
export function splitQualified(name: string): { schema?: string; name: string } {
  const dot = name.indexOf('.');
  if (dot < 0) return { name };
  return { schema: name.slice(0, dot), name: name.slice(dot + 1) };
}
