/** Which environment turns telemetry on, and where each signal goes. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPORT_INTERVAL_MS,
  FLUSH_TIMEOUT_MS,
  invalidEndpointVariable,
  protocolNotice,
  telemetryConfig,
} from '../../src/telemetry/config.js';
import { errorClass, exportableError } from '../../src/telemetry/attributes.js';
import { registerOtlpSecrets, withoutRegisteredSecrets } from '../../src/db/secrets.js';
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

  it('honours OTEL_METRIC_EXPORT_INTERVAL, ignoring nonsense; an export gets 1 s to 3 s', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(telemetryConfig({ ...base, OTEL_METRIC_EXPORT_INTERVAL: '2000' })).toMatchObject({
      exportIntervalMs: 2000,
      exportTimeoutMs: 2000,
    });
    // 1 ms would make every export time out at once: the interval and the timeout are at least 1 s.
    expect(telemetryConfig({ ...base, OTEL_METRIC_EXPORT_INTERVAL: '1' })).toMatchObject({
      exportIntervalMs: 1000,
      exportTimeoutMs: 1000,
    });
    expect(telemetryConfig({ ...base, OTEL_METRIC_EXPORT_INTERVAL: '60000' })?.exportTimeoutMs).toBe(FLUSH_TIMEOUT_MS);
    expect(telemetryConfig({ ...base, OTEL_METRIC_EXPORT_INTERVAL: 'soon' })?.exportIntervalMs).toBe(
      DEFAULT_EXPORT_INTERVAL_MS,
    );
  });
});

describe('what leaves the process', () => {
  it('exports a class for an error, never its text: SQL Server and PostgreSQL messages with row data', () => {
    const sqlServer = [
      "Violation of UNIQUE KEY constraint 'uq_email'. Cannot insert duplicate key in object 'dbo.people'. The duplicate key value is (alice@example.com).",
      "Cannot insert duplicate key row in object 'dbo.people' with unique index 'ix_email'. The duplicate key value is (alice@example.com).",
      'The CREATE UNIQUE INDEX statement terminated because a duplicate key was found for the object name dbo.people and the index name ix_email. The duplicate key value is (alice@example.com).',
    ];
    for (const text of sqlServer) {
      const cls = errorClass(text, '2627', 'mssql', undefined);
      expect(cls).toEqual({ category: 'constraint', errorNumber: '2627' });
      const message = exportableError('step add_unique:people.ix_email', cls);
      expect(message).toBe('step add_unique:people.ix_email failed: constraint (SQL Server error 2627)');
      expect(errorClass(text).category).toBe('constraint');
    }
    // A trigger's message with an unquoted value says nothing recognisable: `other`, and none of it leaves.
    const trigger = errorClass('refusing row for alice@example.com: balance 1200 over limit', undefined);
    expect(exportableError('step x', trigger)).not.toContain('alice');
    expect(errorClass('duplicate key value violates unique constraint "u"', '23505', 'postgres')).toEqual({
      category: 'constraint',
      sqlstate: '23505',
    });
    expect(exportableError('step s', errorClass('duplicate key value violates unique constraint "u"', '23505'))).toBe(
      'step s failed: constraint (SQLSTATE 23505)',
    );
    expect(errorClass('canceling statement due to lock timeout').category).toBe('lock-timeout');
    expect(errorClass('Lock request time out period exceeded.', 1222)).toEqual({
      category: 'lock-timeout',
      errorNumber: '1222',
    });
    expect(errorClass('deadlock detected').category).toBe('deadlock');
    // The dialect's classifier (given the error object) wins over the text.
    expect(errorClass('whatever it says', undefined, 'postgres', 'connection').category).toBe('connection');
    expect(errorClass('Connection terminated unexpectedly').category).toBe('connection');
    expect(errorClass('check failed: expected 0, got 4000').category).toBe('check-failed');
    expect(errorClass('something odd').category).toBe('other');
  });

  it('names an endpoint variable that is not a URL (never its value); says which protocols are not supported', () => {
    expect(invalidEndpointVariable({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel:tok@collector.example:43l8' })).toBe(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    );
    expect(invalidEndpointVariable({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318' })).toBe(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    );
    expect(invalidEndpointVariable({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://u:p@c:4318' })).toBeUndefined();
    expect(protocolNotice({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatchObject({ off: true });
    expect(protocolNotice({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })).toMatchObject({ off: false });
    expect(protocolNotice({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBeUndefined();
    expect(protocolNotice({})).toBeUndefined();
  });

  it('masks the password of every OTLP endpoint and every OTLP header value in later output', () => {
    registerOtlpSecrets({
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://otel:MetricsPw9@c:4318/v1/metrics',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=KeyValue77,authorization=Bearer%20BearerTok55,x-flag=true',
    });
    const said = withoutRegisteredSecrets('MetricsPw9 KeyValue77 BearerTok55 Bearer BearerTok55 plain true');
    // A short setting (`true`) is not taken for a secret: JSON's `true` must survive.
    expect(said).toBe('**** **** **** **** plain true');
  });

  it("says why an export failed without the endpoint's URL", () => {
    expect(causeOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED',
    );
    expect(causeOf(new Error('Request timed out'))).toBe('timed out');
    expect(causeOf(new Error('Bad Request 400 from http://u:p@c:4318/v1/metrics'))).toBe('HTTP 400');
    expect(causeOf(Object.assign(new Error('Internal Server Error'), { code: 500 }))).toBe('HTTP 500');
    expect(causeOf(undefined)).toBe('export failed');
  });
});
