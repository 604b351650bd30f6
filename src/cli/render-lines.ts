/** CI mode: plain lines (or JSON lines with --json); never a prompt, never a cursor trick. */
import { formatMs } from './render-plan.js';
import { blockersText, describeBlocker, type RunnerEvent, type RunnerListener } from '../runner/events.js';
import type { Io, Paint } from './io.js';

function elapsed(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** While a throttle or a pause holds the backfill it says so in place of a rate (which would be stale). */
export function progressText(p: {
  rowsDone: number;
  rowsTotal: number | null;
  rowsPerSecond: number;
  etaMs: number | null;
  waiting?: string;
  pace?: string;
}): string {
  const pct = p.rowsTotal ? ` (${Math.min(100, Math.floor((p.rowsDone / p.rowsTotal) * 100))}%)` : '';
  const eta = p.etaMs !== null ? `, ETA ${Math.round(p.etaMs / 1000)}s` : '';
  const rate = p.waiting ? `paused — waiting: ${p.waiting}` : `${count(Math.round(p.rowsPerSecond))} rows/s${eta}`;
  const pace = p.pace ? ` · pace: ${p.pace}` : '';
  return `${count(p.rowsDone)}${p.rowsTotal ? `/${count(p.rowsTotal)}` : ''} rows${pct}, ${rate}${pace}`;
}

export function lineFor(event: RunnerEvent, p: Paint): string | undefined {
  switch (event.type) {
    case 'phase-start':
      return p.bold(`== ${event.phase} ==`);
    case 'phase-done':
      return p.green(`== ${event.phase} done ==`);
    case 'step-start':
      return `▶ ${p.cyan(event.step.id)} ${event.step.summary}${
        event.attempt > 1 ? p.dim(` (attempt ${event.attempt})`) : ''
      }`;
    case 'step-skip':
      return p.dim(`· ${event.step.id}: ${event.reason}`);
    case 'step-done':
      return p.green(`✔ ${event.step.id}`) + p.dim(` (${elapsed(event.ms)})`);
    case 'step-failed':
      return p.red(`✖ ${event.step.id}: ${event.error}`);
    case 'statement':
      return p.dim(`  ${event.sql.split('\n')[0]}${event.sql.includes('\n') ? ' …' : ''}`);
    case 'lock-wait':
      return p.yellow(
        `  waiting for a lock (attempt ${event.attempt}), blocked by ${event.blockers.map(describeBlocker).join('; ')}`,
      );
    case 'retry':
      return p.yellow(
        `  ${event.reason}: retry ${event.attempt} in ${formatMs(event.delayMs)}; ${blockersText(event.blockers)}`,
      );
    case 'progress':
      return `  ${event.step.id}: ${progressText(event.progress)}`;
    case 'info':
      return p.yellow(`  ${event.message}`);
    case 'stopped':
      return `${event.reason}${event.next ? `\n  next: ${event.next}` : ''}`;
  }
}

/** Progress lines are limited to one every `progressEveryMs` (and every waiting change). */
export function lineRenderer(io: Io, p: Paint, progressEveryMs = 2000): RunnerListener {
  let lastProgress = 0;
  let lastWaiting: string | undefined;
  return (event) => {
    if (event.type === 'progress') {
      const now = Date.now();
      if (now - lastProgress < progressEveryMs && event.progress.waiting === lastWaiting) return;
      lastProgress = now;
      lastWaiting = event.progress.waiting;
    }
    const line = lineFor(event, p);
    if (line !== undefined) io.out(`${line}\n`);
  };
}

/** --json: one JSON object per event, stable field names (documented in the README). */
export function jsonRenderer(io: Io): RunnerListener {
  return (event) => {
    const { type, ...rest } = event;
    const payload: Record<string, unknown> = { type, at: new Date().toISOString() };
    for (const [key, value] of Object.entries(rest)) {
      payload[key] =
        key === 'step' && value && typeof value === 'object'
          ? {
              id: (value as { id: string }).id,
              kind: (value as { kind: string }).kind,
              summary: (value as { summary: string }).summary,
            }
          : value;
    }
    io.out(`${JSON.stringify(payload)}\n`);
  };
}
