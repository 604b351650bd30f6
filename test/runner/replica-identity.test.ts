/**
 * A `--replica` must be a copy of the primary's database: the identity comparison (another cluster, another
 * database), bad and unreachable `--replica` URLs (checked before the primary is opened; the hint names
 * --replica), and the reconnect wait after a lost replica session stopping on Ctrl-C. The real standby's
 * side of these (another database in the URL, run and doctor) is in replica-reads.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/db/connection.js';
import { InterruptedError } from '../../src/runner/interrupted.js';
import { onReplicaSession, ReplicaSessionLost } from '../../src/runner/replica-read.js';
import { identityMismatch } from '../../src/runner/replicas.js';
import { cli, UNREACHABLE } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl } from '../support/databases.js';
import { writePlan } from './cli-process.js';

const primary = { system: '7716444985631692932', database: 'shop' };

describe('a replica is compared with its primary', () => {
  it('refuses a standby of another cluster, naming both system identifiers', () => {
    expect(identityMismatch('db2:5432', primary, { system: '7000000000000000001', database: 'shop' })).toBe(
      '--replica db2:5432 is a standby of another cluster (system identifier 7000000000000000001, the ' +
        "primary's is 7716444985631692932): it does not replay the primary's WAL",
    );
  });

  it("refuses another database of the primary's cluster", () => {
    expect(identityMismatch('db2:5432', primary, { ...primary, database: 'postgres' })).toBe(
      '--replica db2:5432 is connected to database postgres, the primary to shop: give the same database in its URL',
    );
  });

  it('accepts the same cluster and database', () => {
    expect(identityMismatch('db2:5432', primary, { ...primary })).toBeNull();
  });
});

const plan = () =>
  writePlan(`
name: replica-urls
phases:
  expand:
    - add_column: { table: items, column: { name: note, type: text } }
`);

describe('--replica URLs', () => {
  it('a URL that is no PostgreSQL server exits 2 before the primary is opened', async () => {
    // The primary is unreachable too: opening it first would exit 4.
    for (const [url, said] of [
      ['pglite://./data', /--replica pglite:\/\/\S+: a replica must be a PostgreSQL standby/],
      ['./not-a-server', /--replica: not a database URL/],
    ] as const) {
      const result = await cli(['run', plan(), '--database', UNREACHABLE, '--replica', url, '--yes']);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(said);
    }
  });

  it.skipIf(postgresAdminUrl === null)('an unreachable replica exits 4 with a hint that names --replica', async () => {
    const db = await createPostgresDatabase('schemashift_replica_url');
    try {
      await db.exec('CREATE TABLE items (id int PRIMARY KEY)');
      const result = await cli(['run', plan(), '--database', db.url!, '--replica', UNREACHABLE, '--yes']);
      expect(result.code, result.stdout + result.stderr).toBe(4);
      expect(result.stderr).toContain('--replica 127.0.0.1:1: cannot connect');
      expect(result.stderr).toContain('or fix that --replica URL');
      expect(result.stderr).not.toContain('fix --database');
      const rows = await db.query<{ state: string | null }>("SELECT to_regclass('schemashift.runs')::text AS state");
      expect(rows[0]?.state, 'nothing ran').toBeNull();
    } finally {
      await db.close();
    }
  });
});

describe('a lost replica session', () => {
  it('stops waiting to read again when the run is interrupted', async () => {
    let sessions = 0;
    const replica = {
      name: 'standby:5432',
      db: {} as never,
      session: <T>(_fn: (s: Session) => Promise<T>): Promise<T> => {
        sessions++;
        return Promise.reject(new ReplicaSessionLost('terminated by a recovery conflict'));
      },
    };
    const stop = new AbortController();
    stop.abort();
    const since = performance.now();
    await expect(onReplicaSession(replica, () => Promise.resolve(), stop.signal)).rejects.toThrow(InterruptedError);
    expect(sessions).toBe(1);
    expect(performance.now() - since).toBeLessThan(100);
  });
});
