/**
 * Where commands meet telemetry. Imports no OpenTelemetry package: the SDK (session.ts) is loaded by the first run
 * that finds an OTLP endpoint in the environment, and flushed once when the CLI ends (main.ts).
 */
import type { Io } from '../cli/io.js';
import type { RunnerListener } from '../runner/events.js';
import type { RunIdentity } from './attributes.js';
import { telemetryConfig } from './config.js';
import type { TelemetrySession } from './session.js';

export type { RunIdentity } from './attributes.js';
export { stepOperations } from './attributes.js';

/** A run's listener with its telemetry, and how the run ended (an outcome kind, or a thrown error). */
export interface ObservedRun {
  emit: RunnerListener;
  ended: (outcome: string) => void;
  /** Records the error on the run's spans, then throws it on: `await work.catch(observed.threw)`. */
  threw: (e: unknown) => never;
}

let session: Promise<TelemetrySession | undefined> | undefined;

function unobserved(listener: RunnerListener): ObservedRun {
  return {
    emit: listener,
    ended: () => undefined,
    threw: (e) => {
      throw e;
    },
  };
}

/** The first failed export is said once, on stderr, in one line; the run goes on and its exit code stays its own. */
function warnOnce(io: Io): (cause: string) => void {
  let warned = false;
  return (cause) => {
    if (warned) return;
    warned = true;
    io.err(
      `schemashift: telemetry: the OTLP endpoint did not take the export (${cause}); the run is not affected ` +
        '(check OTEL_EXPORTER_OTLP_ENDPOINT; further export errors are not shown)\n',
    );
  };
}

async function loadSession(io: Io): Promise<TelemetrySession | undefined> {
  const config = telemetryConfig(io.env);
  if (!config) return undefined;
  try {
    return (await import('./session.js')).startSession(config, warnOnce(io));
  } catch (e) {
    io.err(`schemashift: telemetry is off: it could not start (${(e as Error).message.split('\n')[0]})\n`);
    return undefined;
  }
}

/** `listener` as is when no OTLP endpoint is set; else it also feeds the run's metrics and spans. */
export async function observeRun(io: Io, id: RunIdentity, listener: RunnerListener): Promise<ObservedRun> {
  if (!telemetryConfig(io.env)) return unobserved(listener);
  session ??= loadSession(io);
  const started = await session;
  return started ? started.observe(id, listener) : unobserved(listener);
}

/** Exports what is left (bounded: config.ts FLUSH_TIMEOUT_MS); a no-op when no run started telemetry. */
export async function flushTelemetry(): Promise<void> {
  const ending = session;
  session = undefined;
  await (await ending)?.shutdown();
}
