/**
 * Telemetry off by default (no OpenTelemetry module even loaded), and an unreachable or silent collector: the exit
 * code stays the run's, at most one warning line, no stack, and the CLI ends within the flush bound. Needs `npm run build`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLUSH_TIMEOUT_MS } from '../../src/telemetry/config.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { runCli, writePlan } from '../runner/cli-process.js';

const PASSING = `
name: otel-quiet
phases:
  expand:
    - check: { sql: "SELECT count(*) FROM quiet", expect: 0 }
`;
const FAILING = `
name: otel-quiet-fail
phases:
  expand:
    - check: { sql: "SELECT count(*) + 1 FROM quiet", expect: 0 }
`;

/** Every OTEL_ variable of this process unset in the child, so that only what a test gives counts. */
const NO_OTEL = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('OTEL_'))
    .map((k) => [k, undefined]),
);

/**
 * A module hook (node --import) that counts the @opentelemetry modules the CLI resolves and prints the count on exit.
 */
function moduleCounter(): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-otel-hook-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes('/@opentelemetry/')) port.postMessage(resolved.url);
  return resolved;
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => seen.add(url));
port1.unref();
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => process.stderr.write('opentelemetry modules loaded: ' + seen.size + '\\n'));
`,
  );
  return join(dir, 'register.mjs');
}

function loadedCount(stderr: string): number {
  const match = /opentelemetry modules loaded: (\d+)/.exec(stderr);
  if (!match) throw new Error(`no module count in: ${stderr}`);
  return Number(match[1]);
}

function telemetryLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => /telemetry|opentelemetry|otlp/i.test(line) && !line.includes('modules loaded'));
}

describe.skipIf(!postgresAdminUrl)('telemetry off, and a collector that is not there', () => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_otel_off');
    await db.exec('CREATE TABLE quiet (id int)');
    receiver = await startOtlpReceiver();
    // Takes the connection and never answers: an export can only end by its timeout.
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent?.close(resolve));
    await receiver?.close();
    await db?.close();
  });

  const run = (plan: string, env: NodeJS.ProcessEnv, hook?: string) =>
    runCli(['run', writePlan(plan), '--database', db.url!, '--yes'], {
      ...NO_OTEL,
      ...(hook ? { NODE_OPTIONS: `--import ${hook}` } : {}),
      ...env,
    });

  it('sends nothing and loads no OpenTelemetry module without an endpoint; loads them with one', async () => {
    const hook = moduleCounter();
    const off = await run(PASSING, {}, hook);
    expect(off.code, off.stderr).toBe(0);
    expect(loadedCount(off.stderr)).toBe(0);
    expect(receiver.metricRequests + receiver.traceRequests).toBe(0);

    // The same check can fail: with an endpoint the SDK is loaded and the receiver hears from the run.
    const on = await run(PASSING, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }, hook);
    expect(on.code, on.stderr).toBe(0);
    expect(loadedCount(on.stderr)).toBeGreaterThan(0);
    expect(receiver.metricRequests).toBeGreaterThan(0);
    expect(receiver.traceRequests).toBeGreaterThan(0);
  });

  it('an endpoint that refuses connections: exit codes unchanged, one warning line, no stack', async () => {
    const refused = `http://127.0.0.1:${await closedPort()}`;
    const ok = await run(PASSING, { OTEL_EXPORTER_OTLP_ENDPOINT: refused });
    expect(ok.code, ok.stderr).toBe(0);
    expect(telemetryLines(ok.stderr)).toHaveLength(1);
    expect(ok.stderr).not.toMatch(/^\s+at /m);
    expect(ok.stderr).not.toContain(refused);
    const failed = await run(FAILING, { OTEL_EXPORTER_OTLP_ENDPOINT: refused });
    expect(failed.code, failed.stderr).toBe(1);
    expect(telemetryLines(failed.stderr).length).toBeLessThanOrEqual(1);
  });

  it('a collector that never answers holds the CLI at most the flush bound', async () => {
    const { port } = silent.address() as { port: number };
    const baseline = await run(PASSING, {});
    const held = await run(PASSING, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    console.log(`off: ${baseline.ms} ms; silent collector: ${held.ms} ms (bound ${FLUSH_TIMEOUT_MS} ms)`);
    expect(held.code, held.stderr).toBe(0);
    expect(telemetryLines(held.stderr)).toHaveLength(1);
    expect(held.ms - baseline.ms).toBeLessThan(FLUSH_TIMEOUT_MS + 1500);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
