/** A run's RunnerEvents as a span tree: the run, a child per phase, a child per step; waits and retries as events. */
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { RunnerEvent } from '../runner/events.js';
import {
  ATTR,
  errorClass,
  exportableError,
  retryReason,
  runAttributes,
  stepAttributes,
  type RunIdentity,
} from './attributes.js';

type StepRef = { id: string; kind: string };

/**
 * One clock for every span of the run. Without explicit times the SDK anchors each span to Date.now() (whole
 * milliseconds) at its start, so a step could appear to end a millisecond after its phase.
 */
const now = (): number => performance.timeOrigin + performance.now();

export class RunSpans {
  private readonly run: Span;
  private readonly phases = new Map<string, Span>();
  private readonly steps = new Map<string, Span>();
  /** The cause a step's backfill is held by now, to mark only where a wait starts and ends. */
  private readonly heldBy = new Map<string, string>();

  constructor(
    private readonly tracer: Tracer,
    private readonly id: RunIdentity,
  ) {
    this.run = tracer.startSpan(`schemashift ${id.mode} ${id.plan}`, {
      attributes: { ...runAttributes(id), [ATTR.mode]: id.mode },
      startTime: now(),
    });
  }

  readonly listener = (event: RunnerEvent): void => {
    switch (event.type) {
      case 'phase-start':
        this.phases.get(event.phase)?.end(now());
        this.phases.set(
          event.phase,
          this.child(this.run, `phase ${event.phase}`, { ...runAttributes(this.id), [ATTR.phase]: event.phase }),
        );
        return;
      case 'phase-done':
        this.phases.get(event.phase)?.end(now());
        this.phases.delete(event.phase);
        return;
      case 'step-start':
        return this.stepStarted(event.step, event.phase, event.attempt);
      case 'step-done':
        return this.stepEnded(event.step, event.phase, 'done');
      case 'step-skip':
        return this.stepEnded(event.step, event.phase, 'skipped');
      case 'step-failed':
        return this.stepFailed(event.step, event.phase, event.error, event.code);
      case 'lock-wait':
        this.steps.get(event.step.id)?.addEvent('lock-wait', {
          [ATTR.attempt]: event.attempt,
          'schemashift.blockers': event.blockers.length,
        });
        return;
      case 'retry':
        this.steps.get(event.step.id)?.addEvent('retry', {
          [ATTR.attempt]: event.attempt,
          [ATTR.reason]: retryReason(event.reason),
          'schemashift.retry.delay_ms': event.delayMs,
        });
        return;
      case 'progress':
        return this.held(
          event.step.id,
          event.progress.waiting === undefined ? undefined : (event.progress.waitingCause ?? 'other'),
        );
      default:
        return;
    }
  };

  /** Ends every span still open: the run's outcome on the run span, an error status when it did not end well. */
  end(outcome: string, error?: string): void {
    for (const [stepId, span] of this.steps) {
      span.setAttribute(ATTR.outcome, outcome);
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end(now());
      this.steps.delete(stepId);
    }
    for (const span of this.phases.values()) span.end(now());
    this.phases.clear();
    this.run.setAttribute(ATTR.outcome, outcome);
    if (outcome === 'failed' || error !== undefined)
      this.run.setStatus({ code: SpanStatusCode.ERROR, ...(error === undefined ? {} : { message: error }) });
    this.run.end(now());
  }

  private child(parent: Span, name: string, attributes: Attributes): Span {
    return this.tracer.startSpan(name, { attributes, startTime: now() }, trace.setSpan(ROOT_CONTEXT, parent));
  }

  private stepSpan(step: StepRef, phase: string): Span {
    const open = this.steps.get(step.id);
    if (open) return open;
    const span = this.child(
      this.phases.get(phase) ?? this.run,
      `step ${step.id}`,
      stepAttributes(this.id, phase, step),
    );
    this.steps.set(step.id, span);
    return span;
  }

  private stepStarted(step: StepRef, phase: string, attempt: number): void {
    this.stepSpan(step, phase).setAttribute(ATTR.attempt, attempt);
  }

  private stepEnded(step: StepRef, phase: string, outcome: string): void {
    const span = this.stepSpan(step, phase);
    span.setAttribute(ATTR.outcome, outcome);
    this.close(step.id, span);
  }

  /** `code`: a driver code, should the event ever carry one (today the runner gives the message only). */
  private stepFailed(step: StepRef, phase: string, error: string, code?: unknown): void {
    const span = this.stepSpan(step, phase);
    const cls = errorClass(error, code, this.id.dialect);
    const message = exportableError(`step ${step.id}`, cls);
    span.setAttribute(ATTR.outcome, 'failed');
    span.setAttribute(ATTR.errorType, cls.sqlstate ?? cls.errorNumber ?? cls.category);
    span.recordException({ name: 'StepFailed', message });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    this.close(step.id, span);
  }

  private held(stepId: string, cause: string | undefined): void {
    const span = this.steps.get(stepId);
    const before = this.heldBy.get(stepId);
    if (!span || before === cause) return;
    if (before !== undefined) span.addEvent('throttle-clear', { [ATTR.reason]: before });
    if (cause !== undefined) span.addEvent('throttle-wait', { [ATTR.reason]: cause });
    if (cause === undefined) this.heldBy.delete(stepId);
    else this.heldBy.set(stepId, cause);
  }

  private close(stepId: string, span: Span): void {
    const cause = this.heldBy.get(stepId);
    if (cause !== undefined) span.addEvent('throttle-clear', { [ATTR.reason]: cause });
    this.heldBy.delete(stepId);
    span.end(now());
    this.steps.delete(stepId);
  }
}
