// Waking a sleeping app: under the edge lock and in the app's queue, its stopped containers are
// started again and held to their health checks (the fast path: no create, no network join);
// replicas that are missing or do not come up are handled by the reconciler's converge, which
// creates them health-gated. Only healthy replicas are published, and only then does the route
// stop sleeping. A wake that brings nothing up stops whatever it started and leaves the app
// sleeping, with the reason stored for the status API.
import { setTimeout as delay } from 'node:timers/promises';
import { DockerRunner, listAppContainers, systemClock, upstreamsOf, waitHealthy, type Upstream } from '../../builder/index.js';
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import { converge } from '../reconciler/converge.js';
import { opsLog } from '../operations/deps.js';
import { runningDeployment } from '../operations/state.js';
import { isStopped } from '../operations/stopped.js';
import type { App } from '../store/types.js';
import type { RunningDeployment } from '../app-runtime/runtime.js';
import type { OpsDeps } from '../operations/deps.js';
import { edgeLockTtlMs, type EdgeDeps } from './deps.js';
import { withEdgeLock } from './lock.js';
import { publishSleepRoute } from './publish.js';
import { COLD_STARTS_KEPT, sleepState, updateSleepState, type SleepState } from './state.js';

export type WakeOutcome =
  | { kind: 'woken'; coldStartMs: number; upstreams: number }
  /** Nothing to do: awake already, stopped by its owner, or deleted. */
  | { kind: 'not-sleeping' }
  /** The app's edge lock stayed held (by a sleep or another instance's wake) past its lease. */
  | { kind: 'busy' }
  | { kind: 'failed'; reason: string; retryAfterSeconds: number }
  /** A recent wake failed: no new attempt until the back-off has passed. */
  | { kind: 'backing-off'; reason: string; retryAfterSeconds: number };

/** Milliseconds left of the back-off after a failed wake (0: a new attempt may start). */
export function backoffLeftMs(state: SleepState, now: number, backoffMs: number): number {
  if (state.lastWakeFailedAt === null) return 0;
  return Math.max(0, state.lastWakeFailedAt + backoffMs - now);
}

/** `requestedAt`: when the wake was asked for; the cold start is measured from it. */
export async function wakeApp(edge: EdgeDeps, name: string, requestedAt: number): Promise<WakeOutcome> {
  const early = await gate(edge, name);
  if (early) return early;
  // The lock held means a sleep still stopping the replicas (the route already sleeps, and on
  // Swarm the stop takes seconds) or another instance waking the app: wait for it and look
  // again — turning the ask away would leave the gateway holding requests nobody wakes the app for.
  const deadline = Date.now() + edgeLockTtlMs(edge);
  for (;;) {
    const outcome = await withEdgeLock(
      edge.redis,
      name,
      edgeLockTtlMs(edge),
      () =>
        edge.deploy.runExclusive(name, async () => {
          // Read again in the queue: a deploy, a start or another wake may have happened meanwhile.
          return (await gate(edge, name)) ?? wakeNow(edge, name, requestedAt);
        }),
      { log: edge.log },
    );
    if (outcome) return outcome;
    if (Date.now() > deadline) return { kind: 'busy' };
    await delay(LOCK_POLL_MS);
    const again = await gate(edge, name);
    if (again) return again;
  }
}

const LOCK_POLL_MS = 200;

async function gate(edge: EdgeDeps, name: string): Promise<WakeOutcome | null> {
  const state = await sleepState(edge.store, name);
  if (!state.sleeping || (await isStopped(edge.store, name))) return { kind: 'not-sleeping' };
  const left = backoffLeftMs(state, edge.clock(), edge.config.wakeBackoffSeconds * 1000);
  if (left > 0)
    return { kind: 'backing-off', reason: state.lastWakeError ?? 'the last wake failed', retryAfterSeconds: Math.ceil(left / 1000) };
  return null;
}

async function wakeNow(edge: EdgeDeps, name: string, requestedAt: number): Promise<WakeOutcome> {
  const app = await edge.store.apps.get(name);
  if (!app) return { kind: 'not-sleeping' };
  let upstreams: Upstream[] = [];
  let reason = 'no replica became healthy';
  try {
    upstreams = await startReplicas(edge, app);
  } catch (err) {
    reason = isDeployFlowError(err) || err instanceof Error ? err.message : String(err);
  }
  if (upstreams.length === 0) {
    // Never a half-started app: whatever runs now is stopped, the route keeps sleeping.
    await edge.deploy.runtime
      .stop(name, 2)
      .catch((err: unknown) => edge.log.warn({ err, app: name }, 'stopping after a failed wake failed'));
    await updateSleepState(edge.store, name, { lastWakeError: reason, lastWakeFailedAt: edge.clock() });
    return { kind: 'failed', reason, retryAfterSeconds: edge.config.wakeBackoffSeconds };
  }
  await publishSleepRoute(edge, app, upstreams, false);
  const now = edge.clock();
  const previous = await sleepState(edge.store, name);
  const coldStartMs = Math.max(0, now - requestedAt);
  await updateSleepState(edge.store, name, {
    sleeping: false,
    wokeAt: now,
    wakes: previous.wakes + 1,
    lastColdStartMs: coldStartMs,
    lastWakeError: null,
    lastWakeFailedAt: null,
    coldStarts: [...previous.coldStarts, { at: now, ms: coldStartMs }].slice(-COLD_STARTS_KEPT),
  });
  edge.events.emit('app.sleep', { app: name, sleeping: false, at: now });
  return { kind: 'woken', coldStartMs, upstreams: upstreams.length };
}

/** The replicas serving after the wake: stopped ones started again, the rest created health-gated. */
async function startReplicas(edge: EdgeDeps, app: App): Promise<Upstream[]> {
  const running = runningDeployment(await edge.store.deployments.listByApp(app.name, 50));
  if (!running) throw new Error('the app has no running deployment to wake');
  return edge.deploy.runtime.wake(edge, app, running);
}

/** The docker runtime's wake: the stopped containers started again (the fast path), converge for the rest. */
export async function wakeContainers(ops: OpsDeps, app: App, running: RunningDeployment): Promise<Upstream[]> {
  const runner = new DockerRunner(ops.docker);
  const mine = (await listAppContainers(ops.docker, app.name)).filter((c) => c.deploymentId === running.id).slice(0, app.replicas);
  const check = { path: app.healthcheck.path };
  const wait = { runner, clock: systemClock, timeoutMs: ops.config.healthTimeoutSeconds * 1000 };
  const started = await Promise.all(
    mine.map(async (c) => {
      await runner.start(c.id);
      return waitHealthy(wait, c.id, app.port, check).then(
        (hostPort) => ({ hostPort }),
        () => null,
      );
    }),
  );
  const healthy = started.filter((s): s is { hostPort: number } => s !== null);
  if (healthy.length >= app.replicas) return upstreamsOf(healthy);
  // Missing or failing replicas: converge removes what crashed and creates what is missing, held
  // to the same health check. It must not publish (the route still sleeps): no route table here.
  const result = await converge(
    { ...ops, routes: null },
    app,
    { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
    {
      healthWaitMs: 2000,
      write: opsLog(ops, app.name),
    },
  );
  return result.upstreams;
}
