import { CAPABILITIES, versionLabel } from './capabilities.js';
import { readServerInfo } from './introspect-schema.js';
import type { DoctorChecks } from '../doctor.js';
import { POOLER_CHECK } from './doctor-pooler.js';
import { SERVER_CHECKS, SERVER_VERSION_CHECK } from './doctor-server.js';
import { SESSION_CHECKS } from './doctor-sessions.js';
import { VIEW_CHECKS } from './doctor-views.js';

export const postgresDoctor: DoctorChecks = {
  product: 'PostgreSQL',
  checks: [SERVER_VERSION_CHECK, ...SESSION_CHECKS, ...SERVER_CHECKS, POOLER_CHECK, ...VIEW_CHECKS],
  cannotCheckFix:
    'run doctor as a role that may read pg_stat_activity, pg_stat_replication and pg_replication_slots (pg_monitor)',
  async serverInfo(db) {
    const info = await readServerInfo(db);
    return { version: info.version, versionNum: info.versionNum };
  },
  capabilities: (server) =>
    CAPABILITIES.map((c) => ({
      id: c.id,
      feature: c.feature,
      since: versionLabel(c.since),
      available: server.versionNum >= c.since,
      otherwise: c.otherwise,
    })),
};
