/**
 * Telemetry that must not leak or hang, through the CLI on real PostgreSQL (needs `npm run build`): an endpoint URL with
 * credentials, header values, a collector that trickles its answer, one instance id per process, row data in a
 * failed step's error, the warning over --targets --json, the collector's HTTP status.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { runCli, writePlan } from '../runner/cli-process.js';

const NO_OTEL = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('OTEL_'))
    .map((k) => [k, undefined]),
);
const PASSING = `
name: otel-hard
phases:
  expand:
    - check: { sql: "SELECT count(*) FROM people WHERE email IS NULL", expect: 0 }
`;
const TOKEN = 'T0kenSecret';

function telemetryLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /telemetry|opentelemetry|otlp/i.test(line));
}

/** An HTTP server that answers every request with `answer` (and keeps the responses, to end them at close). */
async function stubCollector(answer: (res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!postgresAdminUrl)('telemetry hardening (CLI, real PostgreSQL)', () => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  const timers: NodeJS.Timeout[] = [];
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver?.close());
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_otel_hard');
    await db.exec(`CREATE TABLE people (id int PRIMARY KEY, email text);
      INSERT INTO people VALUES (1, 'alice@example.com'), (2, 'alice@example.com')`);
    receiver.points.length = 0;
    receiver.spans.length = 0;
    receiver.metricRequests = 0;
    receiver.traceRequests = 0;
  });
  afterEach(async () => {
    for (const t of timers.splice(0)) clearInterval(t);
    await db.close();
  });

  const run = (plan: string, env: NodeJS.ProcessEnv, extra: string[] = []) =>
    runCli(['run', writePlan(plan), '--database', db.url!, '--yes', ...extra], { ...NO_OTEL, ...env });

  it('an endpoint URL with a token that does not parse: the variable is named, the token never printed', async () => {
    const endpoint = `https://otel:${TOKEN}@collector.example:43l8`;
    // The failing check quotes the token back in PostgreSQL's error: registered, it is masked there too.
    const leaky = `
name: otel-leak
phases:
  expand:
    - check: { sql: "SELECT '${TOKEN}'::int", expect: 0 }
`;
    const ok = await run(PASSING, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    expect(ok.code, ok.stderr).toBe(0);
    expect(telemetryLines(ok.stderr)).toEqual([
      expect.stringContaining('telemetry is off: OTEL_EXPORTER_OTLP_ENDPOINT is not a valid URL'),
    ]);
    const failed = await run(leaky, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr + failed.stdout).toContain('invalid input syntax');
    for (const out of [ok.stdout, ok.stderr, failed.stdout, failed.stderr]) expect(out).not.toContain(TOKEN);
  });

  it('header values are never printed, and the warning gives the HTTP status', async () => {
    const collector = await stubCollector((res) => res.writeHead(401, 'Unauthorized').end());
    try {
      const headerSecret = 'HdrSecret42';
      const leaky = `
name: otel-header
phases:
  expand:
    - check: { sql: "SELECT '${headerSecret}'::int", expect: 0 }
`;
      const result = await run(leaky, {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${headerSecret},authorization=Bearer%20${TOKEN}`,
      });
      expect(result.code, result.stderr).toBe(1);
      expect(telemetryLines(result.stderr)).toEqual([expect.stringContaining('(HTTP 401)')]);
      expect(result.stderr + result.stdout).toContain('invalid input syntax');
      expect(result.stderr + result.stdout).not.toContain(headerSecret);
      expect(result.stderr + result.stdout).not.toContain(TOKEN);
    } finally {
      await collector.close();
    }
  });

  it('a collector that sends headers then trickles a byte every 500 ms: the CLI exits with the run code in ~4 s', async () => {
    const collector = await stubCollector((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(' ');
      timers.push(setInterval(() => res.write(' '), 500));
    });
    try {
      const baseline = await run(PASSING, {});
      const started = Date.now();
      const ok = await run(PASSING, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
      const okMs = Date.now() - started;
      const failing = await run(PASSING.replace('IS NULL', 'IS NOT NULL').replace('otel-hard', 'otel-hard-fail'), {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      });
      console.log(`off: ${baseline.ms} ms; trickling collector: ${okMs} ms, failing run ${failing.ms} ms`);
      expect(ok.code, ok.stderr).toBe(0);
      expect(failing.code, failing.stderr).toBe(1);
      expect(ok.ms - baseline.ms).toBeLessThan(4_500);
      expect(failing.ms - baseline.ms).toBeLessThan(4_500);
    } finally {
      for (const t of timers.splice(0)) clearInterval(t);
      await collector.close();
    }
  }, 60_000);

  it('each process has its own service.instance.id; OTEL_RESOURCE_ATTRIBUTES can set it', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_EXPORTER: 'none' };
    const ids: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await run(PASSING, env);
      expect(result.code, result.stderr).toBe(0);
      ids.push(receiver.resource['service.instance.id']);
    }
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    const set = await run(PASSING, { ...env, OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=runner-7' });
    expect(set.code, set.stderr).toBe(0);
    expect(receiver.resource['service.instance.id']).toBe('runner-7');
  });

  it("a failed step's span carries its class and step id, never the row data in the driver's error", async () => {
    const plan = `
name: otel-dup
phases:
  expand:
    - add_unique: { table: people, name: people_email_key, columns: [email] }
`;
    const result = await run(plan, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    // The person sees the driver's text; the collector does not.
    expect(result.stderr + result.stdout).toContain('alice@example.com');
    const failed = receiver.spans.filter((s) => s.status.code === 2);
    expect(failed.length).toBeGreaterThan(0);
    const step = failed.find((s) => s.name.startsWith('step '))!;
    // The failed step's own SQLSTATE (a duplicate key), as a thrown error's run span carries its code.
    expect(step.status.message).toMatch(/^step add_unique:\S+ failed: constraint \(SQLSTATE 23505\)$/);
    expect(step.attributes['error.type']).toBe('23505');
    const exported = JSON.stringify(receiver.spans);
    expect(exported).not.toContain('alice');
    expect(exported).not.toContain('example.com');
    expect(exported).not.toMatch(/duplicat|unique index/i);
  });

  it('OTEL_EXPORTER_OTLP_PROTOCOL: grpc says so and stays off; http/protobuf says so and sends JSON', async () => {
    const grpc = await run(PASSING, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(grpc.code, grpc.stderr).toBe(0);
    expect(telemetryLines(grpc.stderr)).toEqual([
      expect.stringContaining('telemetry is off: OTEL_EXPORTER_OTLP_PROTOCOL=grpc'),
    ]);
    expect(receiver.metricRequests + receiver.traceRequests).toBe(0);
    const protobuf = await run(PASSING, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    });
    expect(protobuf.code, protobuf.stderr).toBe(0);
    expect(telemetryLines(protobuf.stderr)).toEqual([expect.stringContaining('sending JSON')]);
    expect(receiver.metricRequests).toBeGreaterThan(0);
  });

  it('over --targets --json the export warning is said once, on the process stderr', async () => {
    const second = await createPostgresDatabase('schemashift_otel_hard_b');
    const collector = await stubCollector((res) => res.writeHead(500).end());
    try {
      await second.exec('CREATE TABLE people (id int PRIMARY KEY, email text)');
      const plan = writePlan(PASSING);
      const targets = join(dirname(plan), 'targets.yaml');
      writeFileSync(targets, 'targets:\n  - { name: a, url_env: A_URL }\n  - { name: b, url_env: B_URL }\n');
      const result = await runCli(['run', plan, '--targets', targets, '--yes', '--json'], {
        ...NO_OTEL,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_METRIC_EXPORT_INTERVAL: '1',
        A_URL: db.url!,
        B_URL: second.url!,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(telemetryLines(result.stderr)).toEqual([expect.stringContaining('(HTTP 500)')]);
      expect(result.stdout).not.toMatch(/telemetry/);
    } finally {
      await collector.close();
      await second.close();
    }
  });
});
