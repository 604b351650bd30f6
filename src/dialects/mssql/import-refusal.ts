/** `import` reads PostgreSQL SQL only: T-SQL migrations are not parsed (no trustworthy T-SQL parser runs here). */
import type { ImportRefusal } from '../import.js';

export const mssqlImportRefusal: ImportRefusal = {
  refusal: {
    message:
      'import reads PostgreSQL SQL; for SQL Server there is no T-SQL parser schemashift trusts to read a migration, ' +
      'so nothing was written',
    hint: 'write the plan with `schemashift new TEMPLATE --dialect mssql` (see `new --list`), one operation per change',
  },
};
