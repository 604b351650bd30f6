/**
 * Blue and green for the comparison tests: two databases on one PostgreSQL server. Green's
 * database has other text settings (time zone, date style, float digits) than blue's.
 */
import { afterAll, beforeAll } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgresReplicationCompare } from '../../src/dialects/postgres/replication-compare.js';
import type { CompareOptions } from '../../src/runner/replication-compare.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';

export interface BlueGreen {
  blueDb: TestDatabase;
  greenDb: TestDatabase;
  blue: Connection;
  green: Connection;
  both: (sql: string) => Promise<unknown>;
  options: (tables: string[], extra?: Partial<CompareOptions>) => CompareOptions;
}

/** Registers the hooks that create (and drop) both databases; the fields are set once they ran. */
export function blueGreenDatabases(): BlueGreen {
  const t = {} as BlueGreen;
  beforeAll(async () => {
    [t.blueDb, t.greenDb] = await Promise.all([createPostgresDatabase('ss_blue'), createPostgresDatabase('ss_green')]);
    const greenName = new URL(t.greenDb.url!).pathname.slice(1);
    await t.greenDb.exec(
      `ALTER DATABASE ${greenName} SET TimeZone = 'Asia/Tokyo'; ALTER DATABASE ${greenName} SET DateStyle = 'SQL, DMY';
       ALTER DATABASE ${greenName} SET extra_float_digits = 0; ALTER DATABASE ${greenName} SET bytea_output = 'escape'`,
    );
    [t.blue, t.green] = await Promise.all([connect(t.blueDb.url!), connect(t.greenDb.url!)]);
  });
  afterAll(async () => {
    await Promise.all([t.blue?.close(), t.green?.close()]);
    await Promise.all([t.blueDb?.close(), t.greenDb?.close()]);
  });
  t.both = (sql) => Promise.all([t.blueDb.exec(sql), t.greenDb.exec(sql)]);
  t.options = (tables, extra = {}) => ({
    blue: t.blue,
    green: t.green,
    sql: postgresReplicationCompare,
    tables,
    chunkRows: 1000,
    rechecks: 1,
    recheckPauseMs: 5,
    waitForGreen: () => Promise.resolve(),
    signal: new AbortController().signal,
    ...extra,
  });
  return t;
}
