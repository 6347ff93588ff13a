// Putting an idle app to sleep: in its queue (never racing a deploy or an operation) and under
// the edge lock (never racing a wake on another control instance), the route is marked sleeping
// first — from then on gateways hold new requests and ask for a wake — and the containers are
// stopped, not removed: starting them again is the fast path of a wake, and volumes stay.
import { setTimeout as delay } from 'node:timers/promises';
import { runningDeployment } from '../operations/state.js';
import { isStopped } from '../operations/stopped.js';
import { edgeLockTtlMs, type EdgeDeps } from './deps.js';
import { withEdgeLock } from './lock.js';
import { publishSleepRoute } from './publish.js';
import { isSleeping, updateSleepState } from './state.js';

/** Requests forwarded just before the route switched get this long to finish before the stop. */
const SETTLE_MS = 300;

const IN_PROGRESS = new Set(['queued', 'building', 'deploying']);

/** Puts `name` to sleep if it is deployed, awake, not stopped by its owner and still set to sleep. */
export async function sleepApp(edge: EdgeDeps, name: string): Promise<boolean> {
  const slept = await withEdgeLock(
    edge.redis,
    name,
    edgeLockTtlMs(edge),
    () =>
      edge.deploy.runExclusive(name, async () => {
        const app = await edge.store.apps.get(name);
        if (!app || app.scaleToZero.idleSeconds <= 0) return false;
        const history = await edge.store.deployments.listByApp(name, 50);
        if (!runningDeployment(history) || history.some((d) => IN_PROGRESS.has(d.status))) return false;
        if ((await isStopped(edge.store, name)) || (await isSleeping(edge.store, name))) return false;
        await updateSleepState(edge.store, name, { sleeping: true, sleptAt: edge.clock() });
        await publishSleepRoute(edge, app, [], true);
        await delay(SETTLE_MS);
        const stopped = await edge.deploy.runtime.stop(name, 5);
        edge.log.info({ app: name, stopped, idleSeconds: app.scaleToZero.idleSeconds }, 'idle: the app went to sleep');
        edge.events.emit('app.sleep', { app: name, sleeping: true, at: edge.clock() });
        return true;
      }),
    { log: edge.log },
  );
  return slept === true;
}
