/** Telemetry for the whole process: one SDK, and an observer per run (a fleet runs several at once). */
import type { RunnerEvent, RunnerListener } from '../runner/events.js';
import { errorClass, exportableError, type RunIdentity } from './attributes.js';
import { dialectCategory } from './dialect-error.js';
import type { TelemetryConfig } from './config.js';
import type { ObservedRun } from './hook.js';
import { createInstruments } from './metrics.js';
import { RunMetrics } from './run-metrics.js';
import { RunSpans } from './run-spans.js';
import { startSdk, type ExportFailure } from './sdk.js';

export interface TelemetrySession {
  observe(id: RunIdentity, listener: RunnerListener): ObservedRun;
  shutdown(): Promise<void>;
}

/** Telemetry never stops a run: a fault in it is dropped (the run's own output is what matters). */
function quietly(work: () => void): void {
  try {
    work();
  } catch {
    // Nothing to do: the renderer has the event; only its telemetry is lost.
  }
}

export function startSession(config: TelemetryConfig, failed: ExportFailure): TelemetrySession {
  const sdk = startSdk(config, failed);
  const instruments = sdk.meter ? createInstruments(sdk.meter) : undefined;
  return {
    observe(id, listener) {
      const metrics = instruments ? new RunMetrics(instruments, id) : undefined;
      const spans = sdk.tracer ? new RunSpans(sdk.tracer, id) : undefined;
      const end = (outcome: string, error?: string) =>
        quietly(() => {
          metrics?.end(outcome);
          spans?.end(outcome, error);
        });
      return {
        emit: (event: RunnerEvent) => {
          listener(event);
          quietly(() => metrics?.listener(event));
          quietly(() => spans?.listener(event));
        },
        ended: (outcome) => end(outcome),
        threw: (e) => {
          const text = e instanceof Error ? e.message : String(e);
          const code = (e as { code?: unknown } | null)?.code;
          const cls = errorClass(text, code, id.dialect, dialectCategory(id.dialect, e));
          end('error', exportableError(`${id.mode} ${id.plan}`, cls));
          throw e;
        },
      };
    },
    shutdown: () => sdk.shutdown(),
  };
}
