/** Blue/green in PostgreSQL (12+): native logical replication with pgoutput. */
import type { ReplicationSql } from '../replication.js';
import { postgresReplicationCompare } from './replication-compare.js';
import { replicationObjectsSql } from './replication-objects.js';
import { dumpTablesSchema, SCHEMA_COPY_TEXT } from './replication-schema-dump.js';
import { replicationTablesSql } from './replication-tables.js';

export const postgresReplication: ReplicationSql = {
  ...replicationTablesSql,
  ...replicationObjectsSql,
  compare: postgresReplicationCompare,
  schemaCopyText: SCHEMA_COPY_TEXT,
  dumpSchema: dumpTablesSchema,
};
