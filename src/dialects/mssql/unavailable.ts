/**
 * What SQL Server does not have yet: the statement simulator behind `validate --database`. The command
 * refuses a SQL Server plan or database before it reaches this (cli/validate), so a call here is a bug,
 * said as one.
 */
import type { StatementSimulator } from '../simulate.js';

const missing = (what: string) => (): never => {
  throw new Error(`internal: ${what} is not built for SQL Server, and the command should have refused before this`);
};

export const mssqlSimulatorMissing: StatementSimulator = {
  advice: {
    addBatchKey: missing('validate --database'),
    foreignKeyTargetNotUnique: missing('validate --database'),
    refreshNeedsUniqueIndex: missing('validate --database'),
  },
  runStatements: missing('validate --database'),
  tablesRead: missing('validate --database'),
  tablesReadByQuery: missing('validate --database'),
  columnsRead: missing('validate --database'),
  rowColumns: missing('validate --database'),
  typeNamesIn: missing('validate --database'),
  volatileDefaultFindings: missing('validate --database'),
  scheduledJobFindings: missing('validate --database'),
  serverProblem: missing('validate --database'),
};
