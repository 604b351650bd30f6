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
  const exportIntervalMs = positiveMs(env.OTEL_METRIC_EXPORT_INTERVAL, DEFAULT_EXPORT_INTERVAL_MS);
  return {
    ...(metricsUrl ? { metricsUrl } : {}),
    ...(tracesUrl ? { tracesUrl } : {}),
    exportIntervalMs,
    exportTimeoutMs: Math.min(FLUSH_TIMEOUT_MS, exportIntervalMs),
  };
}
