/** What the SQL Server dialect can do in general; what a given server allows is asked at run time. */
import type { DialectCapabilities } from '../dialect.js';

export const mssqlCapabilities: DialectCapabilities = {
  // CREATE/ALTER/DROP of tables, columns, indexes and constraints roll back with the transaction.
  transactionalDdl: true,
  // ONLINE = ON exists only on Enterprise, Developer, Azure SQL Database and Managed Instance; the
  // edition (SERVERPROPERTY('EngineEdition')) is checked against the server before a build, and an
  // offline build is refused unless the plan allows one.
  onlineIndexBuild: true,
  // ADD CONSTRAINT … WITH NOCHECK, then ALTER TABLE … WITH CHECK CHECK CONSTRAINT (is_not_trusted = 0).
  deferredConstraintValidation: true,
  // Only AFTER triggers: NOT NULL and CHECK are checked before the sync trigger fills the column.
  syncFillsBeforeConstraints: false,
  // No USING INDEX: a UNIQUE constraint is built by ALTER TABLE … ADD CONSTRAINT … WITH (ONLINE = ON).
  attachesIndexToConstraint: false,
};
