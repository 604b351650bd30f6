/** The rows/s ceiling and the rate shown, on a fake clock: batches, workers, pauses simulated. */
import { describe, expect, it } from 'vitest';
import { RateMeter, RowRateLimiter, type Ticket } from '../../src/runner/backfill-rate.js';

class FakeClock {
  t = 0;
  readonly now = () => this.t;
}

interface Simulation {
  workers: number;
  size: number;
  /** How long the i-th batch runs. */
  duration: (i: number) => number;
  untilMs: number;
  /** [from, to): no batch starts (a pause or a throttle holds the backfill). */
  pauses?: [number, number][];
}

interface Batch {
  start: number;
  commit: number;
  rows: number;
}

/** Drive the limiter as the backfill does: a batch starts when it says so, runs, and ends. */
function simulate(rowsPerSecond: number, s: Simulation): Batch[] {
  const clock = new FakeClock();
  const limiter = new RowRateLimiter(rowsPerSecond, clock.now);
  const running: { ticket: Ticket; start: number; endAt: number }[] = [];
  const done: Batch[] = [];
  const endFirst = () => {
    running.sort((a, b) => a.endAt - b.endAt);
    const r = running.shift()!;
    clock.t = r.endAt;
    limiter.end(r.ticket, s.size);
    done.push({ start: r.start, commit: r.endAt, rows: s.size });
  };
  while (clock.t < s.untilMs) {
    const nextEnd = running.length > 0 ? Math.min(...running.map((r) => r.endAt)) : Number.POSITIVE_INFINITY;
    if (running.length >= s.workers) {
      endFirst();
      continue;
    }
    let startAt = clock.t + limiter.waitMs(s.size);
    const pause = s.pauses?.find(([from, to]) => startAt >= from && startAt < to);
    if (pause) startAt = pause[1];
    if (nextEnd <= startAt) {
      endFirst();
      continue;
    }
    clock.t = startAt;
    if (limiter.waitMs(s.size) > 0) continue;
    running.push({
      ticket: limiter.start(s.size),
      start: clock.t,
      endAt: clock.t + s.duration(done.length + running.length),
    });
  }
  while (running.length > 0) endFirst();
  return done;
}

/** The most rows whose `at` falls in any half-open window [t, t + 1 s). */
function worstSecond(batches: Batch[], at: (b: Batch) => number): number {
  const times = batches.map(at).sort((a, b) => a - b);
  return Math.max(
    ...times.map((t) => batches.filter((b) => at(b) >= t && at(b) < t + 1000).reduce((n, b) => n + b.rows, 0)),
  );
}

describe('the rows/s ceiling (token bucket over a sliding second)', () => {
  const cases: [string, Simulation][] = [
    ['one worker, steady 5 ms batches', { workers: 1, size: 500, duration: () => 5, untilMs: 8000 }],
    [
      'one worker, a 3 s pause in the middle',
      { workers: 1, size: 500, duration: () => 5, untilMs: 8000, pauses: [[3000, 6000]] },
    ],
    [
      'one worker, batches of very different lengths',
      { workers: 1, size: 300, duration: (i) => [2, 90, 1, 400, 3][i % 5]!, untilMs: 8000, pauses: [[2500, 5500]] },
    ],
    [
      'two workers, a 3 s pause',
      { workers: 2, size: 500, duration: (i) => [5, 60, 7][i % 3]!, untilMs: 8000, pauses: [[3000, 6000]] },
    ],
    [
      'four workers, slow batches',
      { workers: 4, size: 400, duration: (i) => [300, 20, 700, 5][i % 4]!, untilMs: 8000, pauses: [[1000, 4000]] },
    ],
  ];

  it.each(cases)('%s: no second of commits or starts holds more than the ceiling', (_name, s) => {
    const batches = simulate(5000, s);
    expect(worstSecond(batches, (b) => b.commit)).toBeLessThanOrEqual(5000);
    expect(worstSecond(batches, (b) => b.start)).toBeLessThanOrEqual(5000);
  });

  it('does not save up during a pause: the first second after it holds no more than any other', () => {
    const batches = simulate(5000, { workers: 1, size: 500, duration: () => 5, untilMs: 9000, pauses: [[3000, 6000]] });
    const after = batches.filter((b) => b.start >= 6000 && b.start < 7000).reduce((n, b) => n + b.rows, 0);
    expect(after).toBeLessThanOrEqual(5000);
    expect(after).toBeGreaterThanOrEqual(4000);
    // Spread over the second: no 200 ms holds much more than its share.
    expect(
      Math.max(
        ...batches.map((b) => batches.filter((x) => x.commit >= b.commit && x.commit < b.commit + 200).length * 500),
      ),
    ).toBeLessThanOrEqual(1500);
  });

  it('keeps close to the ceiling when nothing holds it back', () => {
    const batches = simulate(5000, { workers: 1, size: 500, duration: () => 5, untilMs: 10_000 });
    const rows = batches.reduce((n, b) => n + b.rows, 0);
    expect(rows / 10).toBeGreaterThan(4500);
  });

  it('admits no batch bigger than one second of rows; one alone may start when the window is empty', () => {
    const clock = new FakeClock();
    const limiter = new RowRateLimiter(300, clock.now);
    expect(limiter.maxBatch).toBe(300);
    expect(limiter.waitMs(300)).toBe(0);
    const t = limiter.start(300);
    expect(limiter.waitMs(10)).toBe(Number.POSITIVE_INFINITY);
    clock.t = 50;
    limiter.end(t, 300);
    expect(limiter.waitMs(10)).toBe(1000);
  });

  it('gives back what a batch did not use', () => {
    const clock = new FakeClock();
    const limiter = new RowRateLimiter(1000, clock.now);
    const t = limiter.start(500);
    clock.t = 10;
    limiter.end(t, 100);
    // 100 rows at 1000 rows/s: the next may start 100 ms after the first, and 900 more fit in the second.
    expect(limiter.waitMs(500)).toBe(90);
    clock.t = 100;
    expect(limiter.waitMs(900)).toBe(0);
  });
});

describe('the rate shown', () => {
  it('is over recent active work: a pause neither shows a stale rate nor dilutes the next one', () => {
    const clock = new FakeClock();
    const meter = new RateMeter(5000, clock.now);
    for (let i = 0; i < 20; i++) {
      clock.t += 100;
      meter.add(1000);
    }
    expect(meter.rowsPerSecond()).toBeCloseTo(10_000, -2);
    meter.stop();
    clock.t += 3000;
    expect(meter.waiting).toBe(true);
    expect(meter.rowsPerSecond()).toBe(0);
    meter.go();
    clock.t += 100;
    meter.add(1000);
    expect(meter.rowsPerSecond()).toBeCloseTo(10_000, -2);
  });

  it('looks back over the last span only', () => {
    const clock = new FakeClock();
    const meter = new RateMeter(5000, clock.now);
    for (let i = 0; i < 100; i++) {
      clock.t += 100;
      meter.add(1000);
    }
    for (let i = 0; i < 60; i++) {
      clock.t += 100;
      meter.add(100);
    }
    expect(meter.rowsPerSecond()).toBeCloseTo(1000, -2);
  });
});
