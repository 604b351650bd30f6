/** A run's RunnerEvents as metric points: steps and their durations, backfill rows and rate, pace, throttle and lock waits. */
import type { Attributes } from '@opentelemetry/api';
import type { BackfillProgress, RunnerEvent } from '../runner/events.js';
import { ATTR, retryReason, runAttributes, stepAttributes, type RunIdentity } from './attributes.js';
import type { Instruments } from './metrics.js';

interface OpenWait {
  since: number;
  attributes: Attributes;
}

type StepRef = { id: string; kind: string };

export class RunMetrics {
  private readonly phaseOf = new Map<string, string>();
  private readonly startedAt = new Map<string, number>();
  private readonly rowsSeen = new Map<string, number>();
  private readonly paceSeen = new Map<string, number>();
  /** Lock waits by step id and attempt; a wait ends with the attempt's next event (retry, progress, done…). */
  private readonly lockWaits = new Map<string, Map<number, OpenWait>>();
  private readonly throttleWaits = new Map<string, OpenWait & { cause: string }>();
  /** Backfills started and not ended: their rate goes to 0 when they end, however they end. */
  private readonly openBackfills = new Map<string, StepRef>();

  constructor(
    private readonly m: Instruments,
    private readonly id: RunIdentity,
    private readonly now: () => number = () => performance.now(),
  ) {}

  readonly listener = (event: RunnerEvent): void => {
    switch (event.type) {
      case 'step-start':
        this.phaseOf.set(event.step.id, event.phase);
        this.startedAt.set(event.step.id, this.now());
        this.rowsSeen.set(event.step.id, 0);
        this.paceSeen.set(event.step.id, 0);
        if (event.step.kind === 'backfill') this.openBackfills.set(event.step.id, event.step);
        return;
      case 'step-done':
        return this.stepEnded(event.step, event.phase, 'done', event.ms / 1000);
      case 'step-failed':
        return this.stepEnded(event.step, event.phase, 'failed', this.secondsSince(event.step.id));
      case 'step-skip':
        return this.stepEnded(event.step, event.phase, 'skipped', undefined);
      case 'lock-wait':
        return this.lockWaitSeen(event.step, event.attempt);
      case 'retry':
        this.endLockWaits(event.step.id);
        this.m.lockRetries.add(1, { ...this.attrs(event.step), [ATTR.reason]: retryReason(event.reason) });
        return;
      case 'progress':
        this.endLockWaits(event.step.id);
        return this.progress(event.step, event.progress);
      default:
        return;
    }
  };

  /** The run is over: waits still open end now, and the run is counted with its outcome. */
  end(outcome: string): void {
    for (const stepId of [...this.lockWaits.keys()]) this.endLockWaits(stepId);
    for (const stepId of [...this.throttleWaits.keys()]) this.endThrottleWait(stepId);
    for (const step of [...this.openBackfills.values()]) this.backfillStopped(step);
    this.m.runs.add(1, { ...runAttributes(this.id), [ATTR.outcome]: outcome });
  }

  private attrs(step: StepRef, phase = this.phaseOf.get(step.id)): Attributes {
    return stepAttributes(this.id, phase, step);
  }

  private secondsSince(stepId: string): number | undefined {
    const started = this.startedAt.get(stepId);
    return started === undefined ? undefined : (this.now() - started) / 1000;
  }

  private stepEnded(step: StepRef, phase: string, outcome: string, seconds: number | undefined): void {
    this.endLockWaits(step.id);
    this.endThrottleWait(step.id);
    const attributes = { ...this.attrs(step, phase), [ATTR.outcome]: outcome };
    this.m.steps.add(1, attributes);
    if (seconds !== undefined) this.m.stepDuration.record(seconds, attributes);
    this.startedAt.delete(step.id);
    this.backfillStopped(step, phase);
  }

  /** A gauge keeps its last value: a finished backfill would show its last rate until the series goes stale. */
  private backfillStopped(step: StepRef, phase?: string): void {
    if (!this.openBackfills.delete(step.id)) return;
    this.m.backfillRate.record(0, this.attrs(step, phase ?? this.phaseOf.get(step.id)));
  }

  private lockWaitSeen(step: StepRef, attempt: number): void {
    const waits = this.lockWaits.get(step.id) ?? new Map<number, OpenWait>();
    this.lockWaits.set(step.id, waits);
    // A new set of blockers for the same attempt is the same wait.
    if (waits.has(attempt)) return;
    const attributes = this.attrs(step);
    waits.set(attempt, { since: this.now(), attributes });
    this.m.lockWaits.add(1, attributes);
  }

  private endLockWaits(stepId: string): void {
    const waits = this.lockWaits.get(stepId);
    if (!waits) return;
    for (const wait of waits.values())
      this.m.lockWaitDuration.record((this.now() - wait.since) / 1000, wait.attributes);
    this.lockWaits.delete(stepId);
  }

  private progress(step: StepRef, p: BackfillProgress): void {
    const attributes = this.attrs(step);
    if (step.kind === 'backfill') {
      const rows = p.rowsThisRun ?? 0;
      const delta = rows - (this.rowsSeen.get(step.id) ?? 0);
      if (delta > 0) this.m.backfillRows.add(delta, attributes);
      this.rowsSeen.set(step.id, rows);
      this.m.backfillRate.record(p.rowsPerSecond, attributes);
    }
    const changes = p.paceChanges ?? 0;
    const newChanges = changes - (this.paceSeen.get(step.id) ?? 0);
    if (newChanges > 0) this.m.paceChanges.add(newChanges, { ...attributes, [ATTR.reason]: p.paceSignal ?? 'unknown' });
    this.paceSeen.set(step.id, changes);
    this.throttleProgress(step, p, attributes);
  }

  private throttleProgress(step: StepRef, p: BackfillProgress, attributes: Attributes): void {
    const cause = p.waiting === undefined ? undefined : (p.waitingCause ?? 'other');
    const open = this.throttleWaits.get(step.id);
    if (open?.cause === cause) return;
    this.endThrottleWait(step.id);
    if (cause === undefined) return;
    const withReason = { ...attributes, [ATTR.reason]: cause };
    this.throttleWaits.set(step.id, { since: this.now(), cause, attributes: withReason });
    this.m.throttleWaits.add(1, withReason);
  }

  private endThrottleWait(stepId: string): void {
    const open = this.throttleWaits.get(stepId);
    if (!open) return;
    this.m.throttleWaitDuration.record((this.now() - open.since) / 1000, open.attributes);
    this.throttleWaits.delete(stepId);
  }
}
