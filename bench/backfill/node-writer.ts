/**
 * The Node fallback for pgbench (run as a child process by workload.ts): single-row updates due
 * every 1000/rate ms on a fixed schedule, over a few connections; an update waits for a free
 * connection when all are busy, and its latency counts from when it was due. Stops on stdin EOF or
 * "stop", then prints { samples, errors } as JSON.
 */
import pg from 'pg';
import type { Sample, WorkloadOptions } from './workload.js';

const o = JSON.parse(process.argv[2] ?? '{}') as WorkloadOptions;
const idle: pg.Client[] = [];
const queue: (() => void)[] = [];
const samples: Sample[] = [];
const errors: string[] = [];
const inFlight = new Set<Promise<void>>();
let stopping = false;
/** Milliseconds since the epoch, to the microsecond (the workload's windows are in epoch ms). */
const now = () => performance.timeOrigin + performance.now();

async function client(): Promise<pg.Client> {
  const free = idle.pop();
  if (free) return free;
  await new Promise<void>((resolve) => queue.push(resolve));
  return client();
}

function release(c: pg.Client): void {
  idle.push(c);
  queue.shift()?.();
}

async function update(dueMs: number): Promise<void> {
  const c = await client();
  try {
    await c.query(`UPDATE ${o.table} SET total = total + 1 WHERE id = $1`, [1 + Math.floor(Math.random() * o.rows)]);
    samples.push({ dueMs, latencyMs: now() - dueMs });
  } catch (e) {
    errors.push((e as Error).message);
  } finally {
    release(c);
  }
}

async function main(): Promise<void> {
  for (let i = 0; i < o.clients; i++) {
    const c = new pg.Client({ connectionString: o.url, application_name: 'schemashift-bench-writer' });
    await c.connect();
    idle.push(c);
  }
  process.stdin.on('data', (d) => String(d).includes('stop') && (stopping = true));
  process.stdin.on('end', () => (stopping = true));
  const every = 1000 / o.rate;
  const start = now();
  for (let i = 0; !stopping; i++) {
    const due = start + i * every;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = update(due).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  await Promise.all(idle.map((c) => c.end()));
  process.stdout.write(JSON.stringify({ samples, errors }));
}

void main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ samples, errors: [...errors, String(e)] }));
  process.exit(1);
});
