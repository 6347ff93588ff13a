// Health checks, always through the port the container publishes on 127.0.0.1 (never the
// bridge address), so they test the same path the gateway will use.
import http from 'node:http';
import net from 'node:net';
import type { Clock } from '../deps.js';
import type { ContainerState, DockerRunner } from '../docker/runner.js';
import type { HealthCheck } from '../docker/specs.js';

export interface Probe {
  ok: boolean;
  reason: string;
}

/** `host`: where the port is published (127.0.0.1 unless a Swarm node's address). */
export function probeHttp(port: number, path: string, timeoutMs = 2000, host = '127.0.0.1'): Promise<Probe> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'deployflow-health' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ ok: status >= 200 && status < 400, reason: `GET ${path} answered ${status}` });
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.once('error', (err) => resolve({ ok: false, reason: `GET ${path} failed: ${err.message}` }));
  });
}

/**
 * Docker's userland proxy accepts on the published port even when nothing listens inside and
 * then hangs up, so "connected" alone proves nothing: the connection must also stay open for a
 * moment (or the app must speak first).
 */
export function probeTcp(port: number, settleMs = 300): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = (p: Probe): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(p);
    };
    socket.once('connect', () => setTimeout(() => finish({ ok: true, reason: 'TCP connection held open' }), settleMs));
    socket.once('data', () => finish({ ok: true, reason: 'TCP connection answered' }));
    socket.once('close', () => finish({ ok: false, reason: 'TCP connection closed: nothing listening on the app port' }));
    socket.once('error', (err) => finish({ ok: false, reason: `TCP connect failed: ${err.message}` }));
  });
}

export function probe(port: number, check: HealthCheck): Promise<Probe> {
  return 'path' in check ? probeHttp(port, check.path) : probeTcp(port);
}

export class HealthFailure extends Error {
  constructor(
    readonly containerId: string,
    reason: string,
  ) {
    super(reason);
  }
}

export interface HealthWait {
  runner: DockerRunner;
  clock: Clock;
  timeoutMs: number;
  intervalMs?: number;
}

/** Most apps listen within a few hundred milliseconds; until then every idle gap is release time. */
const FAST_PHASE_MS = 2_000;
const FAST_INTERVAL_MS = 20;
/** During the fast phase Docker is asked for the container's state every few probes, not each. */
const INSPECT_EVERY = 5;

/**
 * The pause before the next probe (pure): every 20 ms for the first two seconds, so a release
 * waits at most that long past the moment its app listens; then doubling up to `maxMs`, so a
 * slow starter does not hammer Docker.
 */
export function nextProbeDelay(elapsedMs: number, previousMs: number, maxMs: number): number {
  if (elapsedMs < FAST_PHASE_MS) return Math.min(FAST_INTERVAL_MS, maxMs);
  return Math.min(Math.max(previousMs * 2, FAST_INTERVAL_MS), maxMs);
}

function crashed(state: ContainerState): boolean {
  return (
    !state.running && (state.status === 'exited' || state.status === 'dead' || state.restartCount > 0 || state.status === 'restarting')
  );
}

/** Resolves with the published host port once the container answers; throws HealthFailure. */
export async function waitHealthy(w: HealthWait, id: string, port: number, check: HealthCheck): Promise<number> {
  const started = w.clock.now();
  const deadline = started + w.timeoutMs;
  const maxInterval = w.intervalMs ?? 250;
  let last = 'not checked yet';
  let interval = 0;
  let hostPort: number | undefined;
  for (let attempt = 0; ; attempt++) {
    const elapsed = w.clock.now() - started;
    if (hostPort === undefined || attempt % INSPECT_EVERY === 0 || elapsed >= FAST_PHASE_MS) {
      const state = await w.runner.state(id, port);
      // A crash loop never turns healthy; say so now rather than at the deadline.
      if (crashed(state))
        throw new HealthFailure(id, `container exited with code ${state.exitCode}${state.error ? ` (${state.error})` : ''}`);
      hostPort = state.running ? state.hostPort : undefined;
      if (hostPort === undefined) last = `container is ${state.status}`;
    }
    if (hostPort !== undefined) {
      const result = await probe(hostPort, check);
      if (result.ok) return hostPort;
      last = result.reason;
    }
    if (w.clock.now() >= deadline) throw new HealthFailure(id, `not healthy within ${Math.round(w.timeoutMs / 1000)}s: ${last}`);
    interval = nextProbeDelay(w.clock.now() - started, interval, maxInterval);
    await w.clock.sleep(interval);
  }
}
