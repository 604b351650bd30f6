/** The adaptive pace's decisions, signal by signal (the controller alone; backfill-adaptive.test.ts runs it on PostgreSQL). */
import { describe, expect, it } from 'vitest';
import { PaceController, PACE_LIMITS, type PaceSample } from '../../src/runner/backfill-pace.js';

const calm: PaceSample = { commitMs: 1.1, lockWaiters: 0, walWaiters: 0 };

function controller(size = 200, delayMs = 0, maxSize?: number) {
  return new PaceController({ size, delayMs }, { commitMs: 1, tailMs: 1.6, walWaiters: 0 }, 'orders', maxSize);
}

function step(c: PaceController, sample: PaceSample, batchMs: number) {
  for (let i = 0; i < PACE_LIMITS.freshProbes; i++) c.addProbe(sample);
  return c.afterBatch(batchMs);
}

describe('the adaptive pace', () => {
  it('grows while probes are calm and batches are short, toward the target batch time', () => {
    const c = controller();
    const change = step(c, calm, 5);
    expect(change?.to.size).toBe(400);
    expect(change?.reason).toBe('probe commit 1.1 ms ≤ 1.5× baseline 1.0 ms, batches 5.0 ms < 30 ms: batch 200 → 400');
    // 24 ms batches: only 30/24 more.
    expect(step(c, calm, 24)?.to.size).toBe(500);
    expect(step(c, calm, 40)).toBeNull();
    expect(c.pace.size).toBe(500);
  });

  it('halves the batch when the probe commit passes twice its baseline, and says so', () => {
    const c = controller(800);
    const change = step(c, { ...calm, commitMs: 4.1 }, 10);
    expect(change?.reason).toBe('probe commit 4.1 ms > 2× baseline 1.0 ms: batch 800 → 400');
    expect(change?.probeMs).toBeCloseTo(4.1);
  });

  it('halves it for a slow tail, lock waiters, WAL waiters and replica lag', () => {
    const tail = controller(800);
    for (const commitMs of [1.1, 1.1, 1.1, 1.1, 9, 12]) tail.addProbe({ ...calm, commitMs });
    expect(tail.afterBatch(10)?.reason).toBe(
      'second slowest probe commit 9.0 ms > 2× baseline tail 1.6 ms: batch 800 → 400',
    );
    expect(step(controller(800), { ...calm, lockWaiters: 3 }, 10)?.reason).toBe(
      '3 sessions waiting for locks on orders: batch 800 → 400',
    );
    expect(step(controller(800), { ...calm, walWaiters: 2 }, 10)?.reason).toBe(
      '2 sessions waiting on WAL (baseline 0): batch 800 → 400',
    );
    expect(step(controller(800), { ...calm, replicaLag: { ms: 1500, on: 'r1' } }, 10)?.reason).toBe(
      'replica lag 1500 ms > 1000 ms on r1: batch 800 → 400',
    );
  });

  it('at the smallest batch adds a pause, doubling it up to a second; when calm the pause goes first', () => {
    const c = controller(PACE_LIMITS.minSize);
    const slow = { ...calm, commitMs: 5 };
    expect(step(c, slow, 2)?.to).toEqual({ size: PACE_LIMITS.minSize, delayMs: 5 });
    expect(step(c, slow, 2)?.to.delayMs).toBe(10);
    for (let i = 0; i < 10; i++) step(c, slow, 2);
    expect(c.pace.delayMs).toBe(PACE_LIMITS.maxDelayMs);
    expect(step(c, calm, 2)?.reason).toContain(`delay ${PACE_LIMITS.maxDelayMs} → 500 ms`);
    expect(c.pace.size).toBe(PACE_LIMITS.minSize);
  });

  it('cuts a batch that held its rows too long back to the target time, without waiting for probes', () => {
    const c = controller(10_000);
    const change = c.afterBatch(250);
    expect(change?.to.size).toBe(1200);
    expect(change?.reason).toBe('batch took 250 ms > 100 ms (its rows stay locked that long): batch 10000 → 1200');
  });

  it('decides only on enough probes taken after its last change', () => {
    const c = controller();
    for (let i = 1; i < PACE_LIMITS.freshProbes; i++) c.addProbe(calm);
    expect(c.afterBatch(5)).toBeNull();
    c.addProbe(calm);
    expect(c.afterBatch(5)?.to.size).toBe(400);
    c.addProbe({ ...calm, commitMs: 50 });
    expect(c.afterBatch(5)).toBeNull();
  });

  it('takes probes from pauses as the new baseline: slowness it does not cause does not stop it', () => {
    const c = controller(PACE_LIMITS.minSize, 500);
    const busyNeighbour = { ...calm, commitMs: 6 };
    for (let i = 0; i < PACE_LIMITS.idleProbes; i++) c.addProbe({ ...busyNeighbour, idle: true });
    expect(c.afterBatch(2)?.reason).toBe('probe commit 6.0 ms ≤ 1.5× baseline 6.0 ms: delay 500 → 250 ms');
  });

  it('grows gently near the size where the database last pushed back', () => {
    const c = controller(1000);
    step(c, { ...calm, commitMs: 5 }, 5);
    expect(c.pace.size).toBe(500);
    expect(step(c, calm, 5)?.to.size).toBe(625);
  });

  it('never grows past a rows/s ceiling (one second of rows) nor the largest batch', () => {
    const capped = controller(1500, 0, 2000);
    expect(step(capped, calm, 1)?.to.size).toBe(2000);
    expect(step(capped, calm, 1)).toBeNull();
    const big = controller(40_000);
    expect(step(big, calm, 1)?.to.size).toBe(PACE_LIMITS.maxSize);
  });

  it('lowers a baseline taken in a busy moment, never raises it', () => {
    const c = new PaceController({ size: 800, delayMs: 0 }, { commitMs: 10, tailMs: 20, walWaiters: 0 }, 't');
    step(c, { ...calm, commitMs: 1 }, 5);
    expect(step(c, { ...calm, commitMs: 4 }, 5)?.reason).toMatch(/^probe commit 4\.0 ms > 2× baseline 1\.0 ms/);
  });

  it('with no other session at work for a while, its own load on the probe does not hold it back', () => {
    const c = controller(800);
    const ownLoad = { ...calm, commitMs: 5, othersActive: 0 };
    for (let i = 1; i < PACE_LIMITS.quietProbes; i++) c.addProbe(ownLoad);
    expect(c.afterBatch(5)?.reason).toBe('probe commit 5.0 ms > 2× baseline 1.0 ms: batch 800 → 400');
    for (let i = 0; i < PACE_LIMITS.freshProbes; i++) c.addProbe(ownLoad);
    expect(c.afterBatch(5)?.reason).toBe(
      `no other session at work in the last ${PACE_LIMITS.quietProbes} probes, batches 5.0 ms < 80 ms: batch 400 → 800`,
    );
    // Someone starts working: the probe counts again.
    for (let i = 0; i < PACE_LIMITS.freshProbes; i++) c.addProbe({ ...ownLoad, othersActive: 1 });
    expect(c.afterBatch(5)?.reason).toBe('probe commit 5.0 ms > 2× baseline 1.0 ms: batch 800 → 400');
  });

  it('without a probe (one backend) grows by batch time alone', () => {
    const c = new PaceController({ size: 200, delayMs: 0 }, null, 't');
    expect(c.afterBatch(5)).toBeNull();
    expect(c.afterBatch(5)?.reason).toBe(
      'no probe on this database (one backend), batches 5.0 ms < 30 ms: batch 200 → 400',
    );
  });
});
