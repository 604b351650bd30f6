/**
 * Blue/green in SQL Server: refused. Its replication (transactional replication, or Availability Groups)
 * lives outside the database (a distributor, msdb agents, a cluster), needs sysadmin and the SQL Server
 * Agent, and is absent from Azure SQL Database as a publisher: nothing a plan can create and drop safely.
 */
import type { ReplicationRefusal } from '../replication.js';

export const mssqlReplication: ReplicationRefusal = {
  refusal: {
    message:
      'SQL Server has no logical replication a plan can own: transactional replication needs a distributor, ' +
      'SQL Server Agent jobs in msdb and sysadmin rights, and Azure SQL Database cannot publish; nothing was run',
    hint:
      'remove replicate, catch_up, switch and drop_replication from the plan; for blue/green on SQL Server use ' +
      'an Availability Group (or Azure SQL failover groups) set up outside schemashift',
  },
};
