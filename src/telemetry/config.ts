/**
 * Whether telemetry is on, read from the standard OpenTelemetry environment variables only. This module loads no
 * OpenTelemetry package: with no endpoint set nothing is loaded at all (the CLI starts as fast as without it).
 */

export interface TelemetryConfig {
  /** Where metrics go (OTLP/HTTP, JSON), or undefined when only traces are exported. */
  metricsUrl?: string;
  /** Where spans go, or undefined when only metrics are exported. */
  tracesUrl?: string;
  /** How often a long run exports its metrics (OTEL_METRIC_EXPORT_INTERVAL, ms). */
  exportIntervalMs: number;
  /** The longest one export may take, and the longest the CLI waits for the last one when it ends. */
  exportTimeoutMs: number;
}

export const DEFAULT_EXPORT_INTERVAL_MS = 10_000;
/** Bounds the final flush: an unreachable collector never holds the CLI longer than this. */
export const FLUSH_TIMEOUT_MS = 3_000;
/** An export gets at least this long, however short the interval (OTEL_METRIC_EXPORT_INTERVAL=1 is not 1 ms). */
export const MIN_EXPORT_TIMEOUT_MS = 1_000;

const ENDPOINT_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
] as const;

function signalUrl(env: NodeJS.ProcessEnv, specific: string | undefined, path: string): string | undefined {
  if (specific?.trim()) return specific.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/${path}`;
}

function positiveMs(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** `none` for a signal's exporter switches that signal off, as the SDKs do. */
function exporterOff(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'none';
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The name of the first OTLP endpoint variable whose value is not an http(s) URL, or undefined. Only the name is ever
 * said: the value can hold credentials (`https://user:token@collector:4318`).
 */
export function invalidEndpointVariable(env: NodeJS.ProcessEnv): string | undefined {
  return ENDPOINT_VARIABLES.find((name) => {
    const value = env[name]?.trim();
    return value ? !isHttpUrl(value) : false;
  });
}

const PROTOCOL_VARIABLES = [
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
] as const;

export interface ProtocolNotice {
  /** gRPC: telemetry stays off (a gRPC port does not take HTTP). http/protobuf: JSON is sent to the same endpoint. */
  off: boolean;
  message: string;
}

/** What to say when an OTEL_EXPORTER_OTLP_*PROTOCOL asks for something other than http/json; undefined when none. */
export function protocolNotice(env: NodeJS.ProcessEnv): ProtocolNotice | undefined {
  for (const name of PROTOCOL_VARIABLES) {
    const value = env[name]?.trim().toLowerCase();
    if (!value || value === 'http/json') continue;
    if (value === 'grpc')
      return {
        off: true,
        message: `telemetry is off: ${name}=grpc is not supported, schemashift exports OTLP over http/json only (set ${name}=http/json and point the endpoint at the collector's HTTP port, usually 4318)`,
      };
    const said = value === 'http/protobuf' ? 'http/protobuf' : 'this value';
    return {
      off: false,
      message: `telemetry: ${name}=${said} is not supported, schemashift exports OTLP over http/json only: sending JSON to the same endpoint (an OTLP/HTTP receiver takes both)`,
    };
  }
  return undefined;
}

/** Between MIN_EXPORT_TIMEOUT_MS and FLUSH_TIMEOUT_MS, and never longer than the interval (the SDK requires it). */
function exportTimeoutFor(intervalMs: number): number {
  return Math.max(MIN_EXPORT_TIMEOUT_MS, Math.min(FLUSH_TIMEOUT_MS, intervalMs));
}

/** The telemetry the environment asks for; null when it asks for none (the default). */
export function telemetryConfig(env: NodeJS.ProcessEnv): TelemetryConfig | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const metricsUrl = exporterOff(env.OTEL_METRICS_EXPORTER)
    ? undefined
    : signalUrl(env, env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, 'v1/metrics');
  const tracesUrl = exporterOff(env.OTEL_TRACES_EXPORTER)
    ? undefined
    : signalUrl(env, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, 'v1/traces');
  if (metricsUrl === undefined && tracesUrl === undefined) return null;
  // At least MIN_EXPORT_TIMEOUT_MS: an export needs that long, and the SDK wants the interval >= the timeout.
  const exportIntervalMs = Math.max(
    MIN_EXPORT_TIMEOUT_MS,
    positiveMs(env.OTEL_METRIC_EXPORT_INTERVAL, DEFAULT_EXPORT_INTERVAL_MS),
  );
  return {
    ...(metricsUrl ? { metricsUrl } : {}),
    ...(tracesUrl ? { tracesUrl } : {}),
    exportIntervalMs,
    exportTimeoutMs: exportTimeoutFor(exportIntervalMs),
  };
}
