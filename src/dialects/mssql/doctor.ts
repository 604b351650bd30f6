/** `schemashift doctor` on SQL Server: the checks in report order, the server's version and edition, its capabilities. */
import type { DoctorChecks } from '../doctor.js';
import { mssqlCapabilityRows } from './doctor-capabilities.js';
import { DATABASE_CHECKS } from './doctor-database.js';
import { INDEX_CHECKS } from './doctor-indexes.js';
import { QUERY_STORE_CHECK } from './doctor-query-store.js';
import { RESUMABLE_CHECK } from './doctor-resumable.js';
import { readMssqlServerInfo, REPLICA_CHECK, SERVER_VERSION_CHECK } from './doctor-server.js';
import { SESSION_CHECKS } from './doctor-sessions.js';

export const mssqlDoctor: DoctorChecks = {
  product: 'SQL Server',
  checks: [
    SERVER_VERSION_CHECK,
    ...SESSION_CHECKS,
    ...DATABASE_CHECKS,
    RESUMABLE_CHECK,
    REPLICA_CHECK,
    QUERY_STORE_CHECK,
    ...INDEX_CHECKS,
  ],
  cannotCheckFix:
    'run doctor as a login with VIEW SERVER STATE and, in this database, VIEW DATABASE STATE (their ' +
    'PERFORMANCE STATE subsets suffice on SQL Server 2022; on Azure SQL Database VIEW DATABASE STATE alone): ' +
    'GRANT VIEW SERVER STATE TO <login>; GRANT VIEW DATABASE STATE TO <user>',
  // The JSON report's `server` then carries edition, engineEdition and majorVersion as well.
  serverInfo: readMssqlServerInfo,
  capabilities: mssqlCapabilityRows,
};
