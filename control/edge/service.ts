// Scale to zero, started and stopped with control: the idle check (every second, apps with an
// idle time set) puts idle apps to sleep, and the wake listener wakes them on request. Runs only
// where there is Docker, the deploy queue and Redis (the route table and the gateways' counters).
import type { Redis } from 'ioredis';
import { opsDeps } from '../operations/deps.js';
import type { ControlDeps } from '../server/deps.js';
import type { Deployment } from '../store/types.js';
import type { RequestSample } from '../runtime/requests.js';
import type { EdgeDeps } from './deps.js';
import { dueForSleep, IdleTracker } from './idle.js';
import { startWakeListener, type WakeListener } from './listener.js';
import { sleepApp } from './sleep.js';
import { clearSleeping, forgetSleepState, isSleeping } from './state.js';
import { isStopped } from '../operations/stopped.js';
import { forgetPlatformLines } from '../runtime/platform-log.js';

export interface ScaleToZero {
  wakes: WakeListener;
  /** One idle check now (tests; the timer runs it every `checkMs`). */
  check(): Promise<void>;
  stop(): Promise<void>;
}

/** `isLeader`: with several control instances only the leader puts apps to sleep (control/leadership). */
export async function startScaleToZero(
  deps: ControlDeps,
  checkMs = 1000,
  isLeader: () => boolean = () => true,
): Promise<ScaleToZero | null> {
  const { redis } = deps;
  if (!redis || !deps.docker || !deps.deploy) return null;
  const edge: EdgeDeps & { redis: Redis } = { ...opsDeps(deps), redis, events: deps.events, clock: deps.clock };
  const idle = new IdleTracker(deps.clock());

  const onRequests = (e: { app: string; sample: RequestSample }): void => idle.seen(e.app, e.sample, deps.clock());
  const onStatus = (d: Deployment): void => {
    if (d.status !== 'running') return;
    // A deploy to a sleeping app started it: awake, and idle from now on.
    idle.touch(d.app, deps.clock());
    clearSleeping(deps.store, d.app).catch((err: unknown) => deps.log.warn({ err, app: d.app }, 'clearing the sleep state failed'));
  };
  const onDeleted = (app: { name: string }): void => {
    idle.forget(app.name);
    forgetSleepState(deps.store, app.name).catch(() => undefined);
    forgetPlatformLines(deps.store, app.name).catch(() => undefined);
  };
  deps.events.on('app.requests', onRequests);
  deps.events.on('deployment.status', onStatus);
  deps.events.on('app.deleted', onDeleted);
  const wakes = await startWakeListener(edge, (app) => idle.touch(app, deps.clock()));

  const check = async (): Promise<void> => {
    for (const app of await deps.store.apps.list()) {
      if (app.scaleToZero.idleSeconds <= 0) continue;
      const now = deps.clock();
      if (deps.deploy!.busy(app.name)) {
        idle.touch(app.name, now);
        continue;
      }
      if (!dueForSleep(app.scaleToZero.idleSeconds, idle.idleMs(app.name, now))) continue;
      if ((await isSleeping(deps.store, app.name)) || (await isStopped(deps.store, app.name))) continue;
      await sleepApp(edge, app.name).catch((err: unknown) => deps.log.warn({ err, app: app.name }, 'putting the idle app to sleep failed'));
    }
  };
  let running: Promise<void> | null = null;
  const tick = (): void => {
    if (!isLeader()) return;
    running ??= check()
      .catch((err: unknown) => deps.log.warn({ err }, 'idle check failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = checkMs > 0 ? setInterval(tick, checkMs) : undefined;
  timer?.unref();

  return {
    wakes,
    check,
    async stop() {
      clearInterval(timer);
      deps.events.off('app.requests', onRequests);
      deps.events.off('deployment.status', onStatus);
      deps.events.off('app.deleted', onDeleted);
      await running;
      await wakes.stop();
    },
  };
}
