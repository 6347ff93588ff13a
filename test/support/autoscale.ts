// The autoscaling tests' set-up and load: the ops stack (real Docker, Redis, control) with short
// autoscaler timings and a gateway in front, and GETs through that gateway by Host in loops, every
// answer counted (status 200 with the ops app's `version hostname` body, or the failure).
import assert from 'node:assert/strict';
import http from 'node:http';
import { listAppContainers } from '../../builder/index.js';
import { createLogger } from '../../common/log/logger.js';
import type { RunningService } from '../../common/service.js';
import { startGateway } from '../../gateway/index.js';
import { startOpsStack, type OpsStack } from '../ops-fixtures.js';
import { freePort } from './ports.js';

export interface AutoscaleStack {
  s: OpsStack;
  gatewayPort: number;
  /** Stops the gateway, removes `apps` and stops the stack. */
  stop(apps: string[]): Promise<void>;
}

/**
 * The ops stack with the autoscaler deciding every second on short windows (8 s long, 3 s panic,
 * 4 s cool-down; `env` may change them or add settings) and one gateway on free ports.
 */
export async function startAutoscaleStack(env: Record<string, string> = {}): Promise<AutoscaleStack> {
  const s = await startOpsStack({
    DEPLOYFLOW_AUTOSCALE_INTERVAL_SECONDS: '1',
    DEPLOYFLOW_AUTOSCALE_WINDOW_SECONDS: '8',
    DEPLOYFLOW_AUTOSCALE_PANIC_WINDOW_SECONDS: '3',
    DEPLOYFLOW_AUTOSCALE_COOLDOWN_SECONDS: '4',
    ...env,
  });
  let gateway: RunningService | undefined;
  try {
    const gatewayPort = await freePort();
    gateway = await startGateway(
      { ...s.control.config, gatewayHttpPort: gatewayPort, gatewayHttpsPort: await freePort() },
      createLogger('gateway', 'silent'),
    );
    return {
      s,
      gatewayPort,
      async stop(apps) {
        await gateway?.stop();
        await s.cleanup(apps);
      },
    };
  } catch (err) {
    await s.cleanup([]);
    throw err;
  }
}

/** GET /apps/:name/status as the app's owner, asserted 200; `T` is the part of the answer the test reads. */
export async function appStatus<T>(s: OpsStack, app: string): Promise<T> {
  const res = await s.owner.get(`/api/v1/apps/${app}/status`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as T;
}

/** How many of the app's containers are running (Docker's view, not control's). */
export async function runningContainers(s: OpsStack, app: string): Promise<number> {
  return (await listAppContainers(s.docker, app)).filter((c) => c.running).length;
}

export interface Load {
  ok: number;
  failed: string[];
  /** The hostnames (containers) that answered. */
  hosts: Set<string>;
  /** Ends the loops and waits for the requests in flight; safe to call twice. */
  stop(): Promise<void>;
}

/** One GET through the gateway by Host; resolves with status and body, never rejects. */
export function gatewayGet(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ status: 0, body: err.message }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.once('error', (err) => resolve({ status: 0, body: err.message }));
  });
}

/**
 * `clients` loops of GETs to `host` through the gateway on `port`, each pausing `pauseMs` between
 * requests; answers are counted into `into` when given (a trickle after a burst, say).
 */
export function loadGateway(port: number, host: string, clients: number, pauseMs: number, into?: Load): Load {
  let running = true;
  const result: Load = into ?? { ok: 0, failed: [], hosts: new Set(), stop: async () => undefined };
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const r = await gatewayGet(port, host);
      if (r.status === 200) {
        result.ok++;
        result.hosts.add(r.body.trim().split(' ')[1] ?? '');
      } else {
        result.failed.push(`${r.status} ${r.body.slice(0, 100)}`);
      }
      await new Promise((res) => setTimeout(res, pauseMs));
    }
  });
  result.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return result;
}
