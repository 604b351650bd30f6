/**
 * Where commands meet telemetry. Imports no OpenTelemetry package: the SDK (session.ts) is loaded by the first run
 * that finds an OTLP endpoint in the environment, and flushed once when the CLI ends (main.ts).
 */
import type { Io } from '../cli/io.js';
import { registerOtlpSecrets, withoutRegisteredSecrets } from '../db/secrets.js';
import type { RunnerListener } from '../runner/events.js';
import type { RunIdentity } from './attributes.js';
import { invalidEndpointVariable, protocolNotice, telemetryConfig } from './config.js';
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

/**
 * Telemetry speaks for the whole process, on the process's stderr: not through a run's io, which over --targets --json
 * is one target's captured output (and would take the warning with it).
 */
function warn(line: string): void {
  process.stderr.write(withoutRegisteredSecrets(`schemashift: ${line}\n`));
}

/** The first failed export is said once, on stderr, in one line; the run goes on and its exit code stays its own. */
function warnOnce(): (cause: string) => void {
  let warned = false;
  return (cause) => {
    if (warned) return;
    warned = true;
    warn(
      `telemetry: the OTLP endpoint did not take the export (${cause}); the run is not affected ` +
        '(check OTEL_EXPORTER_OTLP_ENDPOINT; further export errors are not shown)',
    );
  };
}

async function loadSession(env: NodeJS.ProcessEnv): Promise<TelemetrySession | undefined> {
  const config = telemetryConfig(env);
  if (!config) return undefined;
  // Only the variable's name is said: its value can hold a token (`https://user:token@collector:4318`).
  const invalid = invalidEndpointVariable(env);
  if (invalid) {
    warn(`telemetry is off: ${invalid} is not a valid URL (expected http(s)://host:port)`);
    return undefined;
  }
  const notice = protocolNotice(env);
  if (notice) warn(notice.message);
  if (notice?.off) return undefined;
  try {
    return (await import('./session.js')).startSession(config, warnOnce());
  } catch {
    // The SDK's own message is never shown: it can quote an endpoint's URL with its credentials.
    warn('telemetry is off: the OpenTelemetry SDK could not start (check the OTEL_EXPORTER_OTLP_* variables)');
    return undefined;
  }
}

/** `listener` as is when no OTLP endpoint is set; else it also feeds the run's metrics and spans. */
export async function observeRun(io: Io, id: RunIdentity, listener: RunnerListener): Promise<ObservedRun> {
  registerOtlpSecrets(io.env);
  if (!telemetryConfig(io.env)) return unobserved(listener);
  session ??= loadSession(io.env);
  const started = await session;
  return started ? started.observe(id, listener) : unobserved(listener);
}

/** Exports what is left (bounded: config.ts FLUSH_TIMEOUT_MS); a no-op when no run started telemetry. */
export async function flushTelemetry(): Promise<void> {
  const ending = session;
  session = undefined;
  await (await ending)?.shutdown();
}
