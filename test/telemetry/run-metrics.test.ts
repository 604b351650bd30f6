/** RunnerEvents → metric points, with a clock the test moves: deltas, waits opened and closed, one wait per attempt. */
import { describe, expect, it } from 'vitest';
import type { BackfillProgress, RunnerEvent } from '../../src/runner/events.js';
import type { Step } from '../../src/operations/types.js';
import type { RunIdentity } from '../../src/telemetry/attributes.js';
import type { Instruments } from '../../src/telemetry/metrics.js';
import { METRICS } from '../../src/telemetry/metrics.js';
import { RunMetrics } from '../../src/telemetry/run-metrics.js';

type Recorded = { metric: string; value: number; attributes: Record<string, unknown> };

function recordingInstruments(seen: Recorded[]): Instruments {
  const entries = Object.keys(METRICS).map((key): [string, unknown] => {
    const record = (value: number, attributes: Record<string, unknown> = {}) =>
      void seen.push({ metric: key, value, attributes });
    return [key, { add: record, record }];
  });
  return Object.fromEntries(entries) as Instruments;
}

const step = { id: 'backfill:t.w', kind: 'backfill', phase: 'migrate', summary: 'backfill t.w' } as unknown as Step;
const id: RunIdentity = {
  plan: 'p',
  mode: 'run',
  dialect: 'postgres',
  target: 'shard-1',
  operations: new Map([['backfill:t.w', 'backfill']]),
};

function progress(p: Partial<BackfillProgress>): RunnerEvent {
  return {
    type: 'progress',
    step,
    progress: { rowsDone: 0, rowsTotal: null, rowsPerSecond: 100, etaMs: null, batchSize: 10, ...p },
  };
}

function setup() {
  const seen: Recorded[] = [];
  let now = 0;
  const metrics = new RunMetrics(recordingInstruments(seen), id, () => now);
  const at = (ms: number, event: RunnerEvent) => {
    now = ms;
    metrics.listener(event);
  };
  const of = (metric: string) => seen.filter((r) => r.metric === metric);
  return { metrics, at, of, seen };
}

describe('RunMetrics', () => {
  it("counts this run's rows once (a resumed backfill's earlier rows are not), and pace changes by their signal", () => {
    const { at, of } = setup();
    at(0, { type: 'step-start', phase: 'migrate', step, attempt: 2 });
    at(10, progress({ rowsDone: 5000, rowsThisRun: 100, paceChanges: 1, paceSignal: 'calm' }));
    at(20, progress({ rowsDone: 5100, rowsThisRun: 200, paceChanges: 1, paceSignal: 'calm' }));
    at(30, progress({ rowsDone: 5200, rowsThisRun: 300, paceChanges: 3, paceSignal: 'lock-waiters' }));
    at(40, { type: 'step-done', phase: 'migrate', step, ms: 40 });
    expect(of('backfillRows').map((r) => r.value)).toEqual([100, 100, 100]);
    expect(of('paceChanges').map((r) => [r.value, r.attributes['schemashift.reason']])).toEqual([
      [1, 'calm'],
      [2, 'lock-waiters'],
    ]);
    expect(of('steps')[0]!.attributes).toMatchObject({
      'schemashift.plan': 'p',
      'schemashift.phase': 'migrate',
      'schemashift.step': 'backfill:t.w',
      'schemashift.operation': 'backfill',
      'schemashift.target': 'shard-1',
      'schemashift.outcome': 'done',
      'db.system': 'postgresql',
    });
    expect(of('stepDuration')[0]!.value).toBeCloseTo(0.04);
  });

  it('times a throttle wait from its first waiting progress to the first without, and a new cause as a new wait', () => {
    const { at, of } = setup();
    at(0, { type: 'step-start', phase: 'migrate', step, attempt: 1 });
    at(1000, progress({ waiting: 'paused by ann', waitingCause: 'pause', rowsPerSecond: 0 }));
    at(3000, progress({ waiting: 'paused by ann', waitingCause: 'pause', rowsPerSecond: 0 }));
    at(4000, progress({ waiting: 'replica lag 5s > 1s', waitingCause: 'replica-lag', rowsPerSecond: 0 }));
    at(4500, progress({ rowsThisRun: 10 }));
    expect(of('throttleWaits').map((r) => r.attributes['schemashift.reason'])).toEqual(['pause', 'replica-lag']);
    expect(of('throttleWaitDuration').map((r) => [r.attributes['schemashift.reason'], r.value])).toEqual([
      ['pause', 3],
      ['replica-lag', 0.5],
    ]);
  });

  it("counts one lock wait per attempt, timed until the attempt's retry; retries by reason; open waits end with the run", () => {
    const { at, of, metrics } = setup();
    at(0, { type: 'step-start', phase: 'migrate', step, attempt: 1 });
    at(100, { type: 'lock-wait', step, attempt: 1, blockers: [] });
    at(200, { type: 'lock-wait', step, attempt: 1, blockers: [] });
    at(400, {
      type: 'retry',
      step,
      attempt: 1,
      delayMs: 50,
      reason: 'lock not granted within lock_timeout 300ms',
      blockers: [],
    });
    at(500, { type: 'lock-wait', step, attempt: 2, blockers: [] });
    at(600, { type: 'retry', step, attempt: 2, delayMs: 50, reason: 'deadlock detected', blockers: [] });
    at(700, { type: 'lock-wait', step, attempt: 3, blockers: [] });
    at(900, { type: 'info', message: 'unrelated' });
    metrics.end('interrupted');
    expect(of('lockWaits')).toHaveLength(3);
    expect(of('lockWaitDuration').map((r) => r.value)).toEqual([0.3, 0.1, 0.2]);
    expect(of('lockRetries').map((r) => r.attributes['schemashift.reason'])).toEqual(['lock-timeout', 'deadlock']);
    expect(of('runs').map((r) => r.attributes['schemashift.outcome'])).toEqual(['interrupted']);
  });
});

describe('RunMetrics: the backfill rate ends at 0', () => {
  const rates = (of: (m: string) => Recorded[]) => of('backfillRate').map((r) => r.value);

  const endings: [string, RunnerEvent][] = [
    ['done', { type: 'step-done', phase: 'migrate', step, ms: 20 }],
    ['failed', { type: 'step-failed', phase: 'migrate', step, error: 'x' }],
  ];
  it.each(endings)('records 0 when the backfill step ends %s', (_outcome, ending) => {
    const { at, of } = setup();
    at(0, { type: 'step-start', phase: 'migrate', step, attempt: 1 });
    at(10, progress({ rowsThisRun: 100, rowsPerSecond: 5000 }));
    at(20, ending);
    expect(rates(of)).toEqual([5000, 0]);
    expect(of('backfillRate')[1]!.attributes).toEqual(of('backfillRate')[0]!.attributes);
  });

  it('records 0 when the run is interrupted with the backfill running, once', () => {
    const { at, of, metrics } = setup();
    at(0, { type: 'step-start', phase: 'migrate', step, attempt: 1 });
    at(10, progress({ rowsThisRun: 100, rowsPerSecond: 5000 }));
    metrics.end('interrupted');
    expect(rates(of)).toEqual([5000, 0]);
  });
});
