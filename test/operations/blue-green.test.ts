/** The blue/green operations as data: names, specs, steps and their undo (the clusters are in test/bluegreen). */
import { describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import { replicationName, replicationNames } from '../../src/operations/replication-names.js';
import type { ReplicationStep } from '../../src/operations/types.js';
import { forward, inverse } from '../support/operations.js';

const REPLICATE = {
  tables: ['orders', 'sales.customers'],
  green: { url_env: 'GREEN_URL' },
  blue: { url_env: 'BLUE_REPLICATION_URL' },
};

describe('blue/green operations', () => {
  it('names objects after the plan: valid slot names, at most 63 bytes, a hash when the name was changed', () => {
    expect(replicationNames('move_to_green')).toEqual({
      forward: 'ss_fwd_move_to_green',
      reverse: 'ss_rev_move_to_green',
    });
    const long = replicationName('ss_fwd_', 'x'.repeat(80));
    const other = replicationName('ss_fwd_', `${'x'.repeat(79)}y`);
    for (const name of [long, other, replicationName('ss_rev_', 'Move-To Green')]) {
      expect(name).toMatch(/^[a-z0-9_]{1,63}$/);
    }
    expect(long).not.toBe(other);
    expect(replicationName('ss_fwd_', 'Move-To-Green')).not.toBe(replicationName('ss_fwd_', 'move_to_green'));
  });

  it('replicate: one step with its settings and the actions `plan` shows; its undo leaves green’s tables', () => {
    const [step] = forward('replicate', REPLICATE, 'expand', 'replicate:blue-green') as ReplicationStep[];
    expect(step).toMatchObject({
      kind: 'replication',
      stage: 'replicate',
      replicate: {
        tables: ['orders', 'sales.customers'],
        greenEnv: 'GREEN_URL',
        blueEnv: 'BLUE_REPLICATION_URL',
        schema: 'copy',
      },
    });
    expect(step?.actions.join('\n')).toContain('CREATE SUBSCRIPTION');
    const undo = inverse('replicate', REPLICATE) as { steps: ReplicationStep[] };
    expect(undo.steps.map((s) => s.stage)).toEqual(['undo-replicate']);
    expect(undo.steps[0]?.summary).toContain("green's tables stay");
  });

  it('replicate refuses both tables and all, neither, and a URL where a variable name belongs', () => {
    const schema = findOperation('replicate')!.schema;
    expect(schema.safeParse({ ...REPLICATE, all: true }).success).toBe(false);
    expect(schema.safeParse({ green: REPLICATE.green, blue: REPLICATE.blue }).success).toBe(false);
    const url = schema.safeParse({ ...REPLICATE, green: { url_env: 'postgres://u:p@h/db' } });
    expect(url.success).toBe(false);
    expect(JSON.stringify(url.error?.issues)).toContain('NAME of an environment variable');
  });

  it('catch_up and switch take sizes and durations; drop_replication cannot be undone', () => {
    const [catchUp] = forward('catch_up', { max_lag: '16MB', timeout: '1h' }, 'migrate', 'c') as ReplicationStep[];
    expect(catchUp?.catchUp).toEqual({
      maxLagBytes: 16 * 1024 ** 2,
      timeoutMs: 3_600_000,
      verify: true,
      chunk: 10000,
      rechecks: 5,
    });
    const [sw] = forward('switch', { keep_blue: '2h' }, 'migrate', 's') as ReplicationStep[];
    expect(sw?.switch).toMatchObject({ quietMs: 2000, timeoutMs: 600_000, keepBlueMs: 7_200_000 });
    expect(sw?.switch?.confirm).toContain('writes on blue will be refused until the application writes to green');
    expect((inverse('switch', {}) as { steps: ReplicationStep[] }).steps[0]?.stage).toBe('undo-switch');
    expect(inverse('drop_replication', {})).toHaveProperty('irreversible');
  });
});
