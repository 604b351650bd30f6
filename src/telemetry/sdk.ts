/**
 * The OpenTelemetry SDK, set up from the environment: OTLP/HTTP (JSON) exporters, a periodic metric reader and a
 * batch span processor. Loaded only when telemetry is on (hook.ts imports it dynamically).
 */
import { randomUUID } from 'node:crypto';
import type { Meter, Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { agentFactory, destroyAgents } from './agents.js';
import { FLUSH_TIMEOUT_MS, type TelemetryConfig } from './config.js';

export interface TelemetrySdk {
  meter?: Meter;
  tracer?: Tracer;
  /** Exports what is left and stops, within FLUSH_TIMEOUT_MS; never rejects. */
  shutdown(): Promise<void>;
}

/** Told once per failed export (the caller prints the first only); `cause` is a short code, never a URL. */
export type ExportFailure = (cause: string) => void;

type ExportResult = { code: number; error?: Error };
/** ExportResultCode.SUCCESS of @opentelemetry/core, not imported to keep that package out of our dependencies. */
const EXPORT_SUCCESS = 0;

/** A short cause that cannot carry the endpoint's URL or its credentials: an errno code, an HTTP status, or words. */
export function causeOf(error: Error | undefined): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  // OTLPExporterError: `code` is the HTTP status, the message only its reason phrase.
  if (typeof code === 'number' && code >= 100 && code <= 599) return `HTTP ${code}`;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
  if (error?.message && /timed? ?out/i.test(error.message)) return 'timed out';
  const status = /\b([45]\d\d)\b/.exec(error?.message ?? '')?.[1];
  return status ? `HTTP ${status}` : 'export failed';
}

function reporting(failed: ExportFailure, done: (result: ExportResult) => void): (result: ExportResult) => void {
  return (result) => {
    if (result.code !== EXPORT_SUCCESS) failed(causeOf(result.error));
    done(result);
  };
}

class ReportingMetricExporter extends OTLPMetricExporter {
  constructor(
    config: ConstructorParameters<typeof OTLPMetricExporter>[0],
    private readonly failed: ExportFailure,
  ) {
    super(config);
  }
  override export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    super.export(metrics, reporting(this.failed, done));
  }
}

class ReportingSpanExporter extends OTLPTraceExporter {
  constructor(
    config: ConstructorParameters<typeof OTLPTraceExporter>[0],
    private readonly failed: ExportFailure,
  ) {
    super(config);
  }
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    super.export(spans, reporting(this.failed, done));
  }
}

/**
 * service.name `schemashift` and a service.instance.id of its own per process, unless OTEL_SERVICE_NAME or
 * OTEL_RESOURCE_ATTRIBUTES say otherwise. Each CLI run's cumulative series starts at 0: without an instance of its own
 * it would continue the last run's series, and Prometheus would read 1, 1, 1 as no increase (docs/telemetry.md).
 */
function resourceOf() {
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'schemashift', 'service.instance.id': randomUUID() }))
    .merge(detectResources({ detectors: [envDetector] }));
}

function within<T>(ms: number, work: Promise<T>): Promise<'done' | 'timeout'> {
  return new Promise((resolve) => {
    // Not unref'd: the CLI awaits this at its end, and an empty event loop under a pending await would exit 13.
    const timer = setTimeout(() => resolve('timeout'), ms);
    work.then(
      () => (clearTimeout(timer), resolve('done')),
      () => (clearTimeout(timer), resolve('done')),
    );
  });
}

export function startSdk(config: TelemetryConfig, failed: ExportFailure): TelemetrySdk {
  const resource = resourceOf();
  const timeoutMillis = config.exportTimeoutMs;
  const meterProvider = config.metricsUrl
    ? new MeterProvider({
        resource,
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new ReportingMetricExporter(
              { url: config.metricsUrl, timeoutMillis, httpAgentOptions: agentFactory(process.env, 'METRICS') },
              failed,
            ),
            exportIntervalMillis: config.exportIntervalMs,
            exportTimeoutMillis: timeoutMillis,
          }),
        ],
      })
    : undefined;
  const tracerProvider = config.tracesUrl
    ? new BasicTracerProvider({
        resource,
        spanProcessors: [
          new BatchSpanProcessor(
            new ReportingSpanExporter(
              { url: config.tracesUrl, timeoutMillis, httpAgentOptions: agentFactory(process.env, 'TRACES') },
              failed,
            ),
            { exportTimeoutMillis: timeoutMillis },
          ),
        ],
      })
    : undefined;
  return {
    ...(meterProvider ? { meter: meterProvider.getMeter('schemashift') } : {}),
    ...(tracerProvider ? { tracer: tracerProvider.getTracer('schemashift') } : {}),
    async shutdown() {
      const stopping = Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown()]);
      if ((await within(FLUSH_TIMEOUT_MS, stopping)) === 'timeout') failed('timed out');
      // Nothing of telemetry may outlive the flush: an answer still trickling in would keep the CLI alive.
      destroyAgents();
    },
  };
}
