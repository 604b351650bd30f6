/**
 * The exporters' HTTP agents, made here so that no telemetry socket keeps the CLI alive: each socket is unref'd (a
 * collector that trickles its answer a byte at a time cannot hold the process), and every agent is destroyed once the
 * bounded flush is over. TLS settings follow OTEL_EXPORTER_OTLP_[SIGNAL_]CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY
 * as the exporter's own agent would.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';

const made = new Set<http.Agent>();

function unrefSocket(socket: Duplex | undefined): void {
  (socket as { unref?: () => void } | undefined)?.unref?.();
}

function unrefAgent<A extends http.Agent>(agent: A): A {
  const create = (agent as unknown as { createConnection: (...a: unknown[]) => Duplex }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...a: unknown[]) => Duplex }).createConnection = (...args) => {
    const socket = create(...args);
    unrefSocket(socket);
    return socket;
  };
  // A kept-alive socket is ref'd again when reused by the next request.
  const reuse = (agent as unknown as { reuseSocket: (s: Duplex, r: unknown) => void }).reuseSocket.bind(agent);
  (agent as unknown as { reuseSocket: (s: Duplex, r: unknown) => void }).reuseSocket = (socket, req) => {
    reuse(socket, req);
    unrefSocket(socket);
  };
  made.add(agent);
  return agent;
}

function fileFromEnv(env: NodeJS.ProcessEnv, names: string[]): Buffer | undefined {
  const path = names.map((n) => env[n]?.trim()).find((p) => p);
  if (!path) return undefined;
  try {
    return readFileSync(resolve(path));
  } catch {
    return undefined;
  }
}

function tlsOptions(env: NodeJS.ProcessEnv, signal: 'METRICS' | 'TRACES'): https.AgentOptions {
  const read = (what: string) =>
    fileFromEnv(env, [`OTEL_EXPORTER_OTLP_${signal}_${what}`, `OTEL_EXPORTER_OTLP_${what}`]);
  const ca = read('CERTIFICATE');
  const cert = read('CLIENT_CERTIFICATE');
  const key = read('CLIENT_KEY');
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** For the exporters' `httpAgentOptions`: an agent whose sockets never keep the process alive. */
export function agentFactory(env: NodeJS.ProcessEnv, signal: 'METRICS' | 'TRACES') {
  return (protocol: string): http.Agent =>
    protocol === 'http:'
      ? unrefAgent(new http.Agent({ keepAlive: true }))
      : unrefAgent(new https.Agent({ keepAlive: true, ...tlsOptions(env, signal) }));
}

/** Closes every socket of every telemetry agent (an export still trickling in is dropped). */
export function destroyAgents(): void {
  for (const agent of made) agent.destroy();
  made.clear();
}
