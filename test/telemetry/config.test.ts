/** Which environment turns telemetry on, and where each signal goes. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPORT_INTERVAL_MS, FLUSH_TIMEOUT_MS, telemetryConfig } from '../../src/telemetry/config.js';
import { exportableError } from '../../src/telemetry/attributes.js';
import { causeOf } from '../../src/telemetry/sdk.js';

describe('telemetryConfig', () => {
  it('is off without an OTLP endpoint, and when the SDK is disabled', () => {
    expect(telemetryConfig({})).toBeNull();
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeNull();
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
  });

  it('sends both signals under the base endpoint, each signal-specific endpoint as given', () => {
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toEqual({
      metricsUrl: 'http://c:4318/v1/metrics',
      tracesUrl: 'http://c:4318/v1/traces',
      exportIntervalMs: DEFAULT_EXPORT_INTERVAL_MS,
      exportTimeoutMs: FLUSH_TIMEOUT_MS,
    });
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:9/in' })).toMatchObject({
      metricsUrl: 'http://m:9/in',
    });
    expect(telemetryConfig({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:9/in' })?.tracesUrl).toBeUndefined();
    expect(
      telemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })?.tracesUrl,
    ).toBeUndefined();
  });

  it('honours OTEL_METRIC_EXPORT_INTERVAL, ignoring nonsense', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(telemetryConfig({ ...base, OTEL_METRIC_EXPORT_INTERVAL: '500' })).toMatchObject({
      exportIntervalMs: 500,
      exportTimeoutMs: 500,
    });
    expect(telemetryConfig({ ...base, OTEL_METRIC_EXPORT_INTERVAL: 'soon' })?.exportIntervalMs).toBe(
      DEFAULT_EXPORT_INTERVAL_MS,
    );
  });
});

describe('what leaves the process', () => {
  it("keeps a step error's meaning but not its values, URLs or passwords", () => {
    const text = exportableError(
      'could not create unique index "u_email"\nDETAIL: Key (email)=(ann@example.com) is duplicated.',
    );
    expect(text).toBe('could not create unique index "?"');
    expect(exportableError(`invalid input syntax for type integer: "abc" at 'x'`)).toBe(
      `invalid input syntax for type integer: "?" at '?'`,
    );
    expect(exportableError('Key (id)=(42) already exists')).toBe('Key (id)=(?) already exists');
    expect(
      exportableError('cannot reach postgres://app:s3cret@db:5432/x', 'postgres://app:s3cret@db:5432/x'),
    ).not.toContain('s3cret');
  });

  it("says why an export failed without the endpoint's URL", () => {
    expect(causeOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED',
    );
    expect(causeOf(new Error('Request timed out'))).toBe('timed out');
    expect(causeOf(new Error('Bad Request 400 from http://u:p@c:4318/v1/metrics'))).toBe('HTTP 400');
    expect(causeOf(undefined)).toBe('export failed');
  });
});
