// Health checks, always through the port the container publishes on 127.0.0.1 (never the
// bridge address), so they test the same path the gateway will use.
import http from 'node:http';
import net from 'node:net';
import type { Clock } from '../deps.js';
import type { DockerRunner } from '../docker/runner.js';
import type { HealthCheck } from '../docker/specs.js';

export interface Probe { ok: boolean; reason: string }

export function probeHttp(port: number, path: string, timeoutMs = 2000): Promise<Probe> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'deployflow-health' } }, (res) => {
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
  constructor(readonly containerId: string, reason: string) {
    super(reason);
  }
}

export interface HealthWait {
  runner: DockerRunner;
  clock: Clock;
  timeoutMs: number;
  intervalMs?: number;
}

/** Resolves with the published host port once the container answers; throws HealthFailure. */
export async function waitHealthy(w: HealthWait, id: string, port: number, check: HealthCheck): Promise<number> {
  const deadline = w.clock.now() + w.timeoutMs;
  let last = 'not checked yet';
  // Most apps listen within a few hundred milliseconds: poll fast at first, then back off, so a
  // healthy release is not held up by a fixed interval and a slow one does not hammer Docker.
  let interval = Math.min(25, w.intervalMs ?? 250);
  for (;;) {
    const state = await w.runner.state(id, port);
    // A crash loop never turns healthy; say so now rather than at the deadline.
    if (!state.running && (state.status === 'exited' || state.status === 'dead' || state.restartCount > 0 || state.status === 'restarting')) {
      throw new HealthFailure(id, `container exited with code ${state.exitCode}${state.error ? ` (${state.error})` : ''}`);
    }
    if (state.running && state.hostPort) {
      const result = await probe(state.hostPort, check);
      if (result.ok) return state.hostPort;
      last = result.reason;
    } else {
      last = `container is ${state.status}`;
    }
    if (w.clock.now() >= deadline) throw new HealthFailure(id, `not healthy within ${Math.round(w.timeoutMs / 1000)}s: ${last}`);
    await w.clock.sleep(interval);
    interval = Math.min(interval * 2, w.intervalMs ?? 250);
  }
}
