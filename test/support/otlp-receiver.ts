/**
 * A local OTLP/HTTP receiver for tests: node:http on 127.0.0.1 (a free port), taking /v1/metrics and /v1/traces in the
 * JSON encoding (what the JS http exporters send) and keeping what arrives, flattened into data points and spans.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
};
type KeyValue = { key: string; value: AnyValue };

export type Attrs = Record<string, string | number | boolean>;

export interface MetricPoint {
  name: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram';
  attributes: Attrs;
  /** A sum's or gauge's value; a histogram's sum. */
  value: number;
  /** A histogram's count. */
  count?: number;
  /** Which export request it came in (1-based): cumulative sums grow from one to the next. */
  request: number;
}

export interface SpanEvent {
  name: string;
  attributes: Attrs;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Attrs;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  events: SpanEvent[];
  startMs: number;
  endMs: number;
}

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  metricRequests: number;
  traceRequests: number;
  /** Content types seen, to prove the JSON encoding. */
  contentTypes: Set<string>;
  points: MetricPoint[];
  spans: ReceivedSpan[];
  /** Resource attributes of the last request. */
  resource: Attrs;
  /** The points of the last export request that carried `name` (cumulative temporality: the totals). */
  latest(name: string): MetricPoint[];
  close(): Promise<void>;
}

function valueOf(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return '';
}

export function attrs(list: KeyValue[] | undefined): Attrs {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

type NumberPoint = { attributes?: KeyValue[]; asDouble?: number; asInt?: string | number };
type HistogramPoint = { attributes?: KeyValue[]; sum?: number; count?: string | number };
type Metric = {
  name: string;
  unit?: string;
  sum?: { dataPoints: NumberPoint[] };
  gauge?: { dataPoints: NumberPoint[] };
  histogram?: { dataPoints: HistogramPoint[] };
};
type ResourceScoped<T> = { resource?: { attributes?: KeyValue[] }; scopeMetrics?: T[]; scopeSpans?: T[] };

function numberPoints(m: Metric, kind: 'sum' | 'gauge', request: number): MetricPoint[] {
  return (m[kind]?.dataPoints ?? []).map((p) => ({
    name: m.name,
    unit: m.unit ?? '',
    kind,
    attributes: attrs(p.attributes),
    value: Number(p.asDouble ?? p.asInt ?? 0),
    request,
  }));
}

function metricPoints(m: Metric, request: number): MetricPoint[] {
  const histograms = (m.histogram?.dataPoints ?? []).map((p) => ({
    name: m.name,
    unit: m.unit ?? '',
    kind: 'histogram' as const,
    attributes: attrs(p.attributes),
    value: Number(p.sum ?? 0),
    count: Number(p.count ?? 0),
    request,
  }));
  return [...numberPoints(m, 'sum', request), ...numberPoints(m, 'gauge', request), ...histograms];
}

type RawSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
  events?: { name: string; attributes?: KeyValue[] }[];
  startTimeUnixNano: string;
  endTimeUnixNano: string;
};

function spanOf(s: RawSpan): ReceivedSpan {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? '',
    name: s.name,
    attributes: attrs(s.attributes),
    status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
    events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
    startMs: Number(BigInt(s.startTimeUnixNano) / 1_000_000n),
    endMs: Number(BigInt(s.endTimeUnixNano) / 1_000_000n),
  };
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver: Omit<OtlpReceiver, 'endpoint' | 'close'> = {
    metricRequests: 0,
    traceRequests: 0,
    contentTypes: new Set(),
    points: [],
    spans: [],
    resource: {},
    latest(name) {
      const mine = this.points.filter((p) => p.name === name);
      const last = Math.max(0, ...mine.map((p) => p.request));
      return mine.filter((p) => p.request === last);
    },
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await body(req);
      receiver.contentTypes.add(String(req.headers['content-type']));
      const json = JSON.parse(text) as {
        resourceMetrics?: ResourceScoped<{ metrics: Metric[] }>[];
        resourceSpans?: ResourceScoped<{ spans: RawSpan[] }>[];
      };
      if (req.url === '/v1/metrics') {
        const request = ++receiver.metricRequests;
        for (const rm of json.resourceMetrics ?? []) {
          receiver.resource = attrs(rm.resource?.attributes);
          for (const sm of rm.scopeMetrics ?? [])
            for (const m of sm.metrics) receiver.points.push(...metricPoints(m, request));
        }
      } else if (req.url === '/v1/traces') {
        receiver.traceRequests++;
        for (const rs of json.resourceSpans ?? []) {
          receiver.resource = attrs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) receiver.spans.push(...ss.spans.map(spanOf));
        }
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    })().catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
