/**
 * Every metric schemashift exports, in one table: the instruments are made from it, and the Grafana dashboard's test
 * checks each one has a panel (templates/grafana/schemashift-dashboard.json), so the two cannot drift apart.
 */
import type { Counter, Gauge, Histogram, Meter } from '@opentelemetry/api';

export type MetricKind = 'counter' | 'histogram' | 'gauge';

export interface MetricSpec {
  name: string;
  kind: MetricKind;
  /** UCUM: `s` for seconds, `{row}` for a count of rows (an annotation, no unit). */
  unit: string;
  description: string;
}

/** Durations from 10 ms (a quick DDL) to an hour (a long backfill). */
const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export const METRICS = {
  runs: { name: 'schemashift.runs', kind: 'counter', unit: '{run}', description: 'runs ended, by outcome' },
  stepDuration: {
    name: 'schemashift.step.duration',
    kind: 'histogram',
    unit: 's',
    description: 'how long steps took, done or failed',
  },
  steps: { name: 'schemashift.steps', kind: 'counter', unit: '{step}', description: 'steps by outcome' },
  backfillRows: {
    name: 'schemashift.backfill.rows',
    kind: 'counter',
    unit: '{row}',
    description: 'rows updated by backfills',
  },
  backfillRate: {
    name: 'schemashift.backfill.rows_per_second',
    kind: 'gauge',
    unit: '',
    description: 'the backfill rate over its recent batches (0 while held by a throttle)',
  },
  paceChanges: {
    name: 'schemashift.backfill.pace_changes',
    kind: 'counter',
    unit: '{change}',
    description: 'changes of an adaptive backfill pace, by what moved it',
  },
  throttleWaits: {
    name: 'schemashift.throttle.waits',
    kind: 'counter',
    unit: '{wait}',
    description: 'times a backfill was held, by reason',
  },
  throttleWaitDuration: {
    name: 'schemashift.throttle.wait.duration',
    kind: 'histogram',
    unit: 's',
    description: 'how long a backfill was held, by reason',
  },
  lockWaits: {
    name: 'schemashift.lock.waits',
    kind: 'counter',
    unit: '{wait}',
    description: 'lock waits seen (another session held the lock a step needed)',
  },
  lockWaitDuration: {
    name: 'schemashift.lock.wait.duration',
    kind: 'histogram',
    unit: 's',
    description: 'how long a lock wait lasted, from when the blocker was first seen',
  },
  lockRetries: {
    name: 'schemashift.lock.retries',
    kind: 'counter',
    unit: '{retry}',
    description: 'attempts retried after a lock timeout or a deadlock',
  },
} as const satisfies Record<string, MetricSpec>;

type Catalog = typeof METRICS;
type InstrumentOf<K extends MetricKind> = K extends 'counter' ? Counter : K extends 'histogram' ? Histogram : Gauge;
export type Instruments = { [K in keyof Catalog]: InstrumentOf<Catalog[K]['kind']> };

function instrument(meter: Meter, spec: MetricSpec): Counter | Histogram | Gauge {
  const options = { unit: spec.unit, description: spec.description };
  switch (spec.kind) {
    case 'counter':
      return meter.createCounter(spec.name, options);
    case 'histogram':
      return meter.createHistogram(spec.name, { ...options, advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
    case 'gauge':
      return meter.createGauge(spec.name, options);
  }
}

export function createInstruments(meter: Meter): Instruments {
  const entries = Object.entries(METRICS).map(([key, spec]) => [key, instrument(meter, spec)]);
  return Object.fromEntries(entries) as Instruments;
}

const UNIT_SUFFIXES: Record<string, string> = { s: 'seconds', ms: 'milliseconds', By: 'bytes', '1': 'ratio' };

/**
 * The name Prometheus gives a metric received over OTLP (its OTLP translation): dots become underscores, a unit adds
 * its suffix (`{annotations}` add none), a counter ends in `_total`. Histograms add `_bucket`, `_sum`, `_count`.
 */
export function prometheusName(spec: MetricSpec): string {
  let name = spec.name.replace(/[^a-zA-Z0-9_:]/g, '_');
  const suffix = UNIT_SUFFIXES[spec.unit];
  if (suffix && !name.endsWith(`_${suffix}`)) name += `_${suffix}`;
  if (spec.kind === 'counter') name += '_total';
  return name;
}
