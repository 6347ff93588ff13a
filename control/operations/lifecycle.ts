// Scale, stop, start: each runs in the app's per-app queue (never racing a deploy) and ends
// with the route table matching what serves. Scale and start are health-gated through converge.
import { setTimeout as delay } from 'node:timers/promises';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { DockerRunner, listAppContainers } from '../../builder/index.js';
import { converge, type ConvergeResult } from '../reconciler/converge.js';
import type { RunningDeployment } from '../app-runtime/runtime.js';
import type { App, Deployment } from '../store/types.js';
import { opsLog, type OpsDeps } from './deps.js';
import { runningDeployment } from './state.js';
import { isStopped, setStopped } from './stopped.js';
import { clearSleeping, isSleeping } from '../edge/state.js';

async function current(x: OpsDeps, name: string): Promise<{ app: App; running: (Deployment & { image: string }) | null }> {
  const app = await x.store.apps.get(name);
  if (!app) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  return { app, running: runningDeployment(await x.store.deployments.listByApp(name, 50)) };
}

/**
 * Sets the app's replicas and, when it is deployed and not stopped, makes exactly that many
 * healthy replicas serve. The new count is stored only once it is reached, so a failed scale-up
 * leaves both the containers and the setting as they were.
 */
export function scaleApp(x: OpsDeps, name: string, replicas: number): Promise<ConvergeResult | null> {
  return x.deploy.runExclusive(name, async () => {
    const { app, running } = await current(x, name);
    // Stopped or asleep: the count applies when it starts (or wakes) again.
    if (!running || (await isStopped(x.store, name)) || (await isSleeping(x.store, name))) {
      await x.store.apps.update(name, { replicas });
      return null;
    }
    const result = await x.deploy.runtime.converge(
      x,
      { ...app, replicas },
      { deploymentId: running.id, image: running.image, replicas, stopped: false },
      {
        healthWaitMs: 2000,
        write: opsLog(x, name),
      },
    );
    await x.store.apps.update(name, { replicas });
    return result;
  });
}

/** Unpublishes the app (the gateway answers 503), lets requests drain, stops its containers. */
export function stopApp(x: OpsDeps, name: string): Promise<string[]> {
  return x.deploy.runExclusive(name, async () => {
    const { app, running } = await current(x, name);
    await setStopped(x.store, name, true);
    await clearSleeping(x.store, name); // stopped by its owner: no request wakes it
    if (running) await x.deploy.publish(app, [], opsLog(x, name));
    await delay(x.config.drainSeconds * 1000);
    return x.deploy.runtime.stop(name);
  });
}

/** Starts the stopped replicas again (creating any that are missing), health-gated, then publishes. */
export function startApp(x: OpsDeps, name: string): Promise<ConvergeResult> {
  return x.deploy.runExclusive(name, async () => {
    const { app, running } = await current(x, name);
    if (!running) throw new DeployFlowError('DF_ERR_NOT_DEPLOYED');
    const result = await x.deploy.runtime.start(x, app, running);
    await setStopped(x.store, name, false);
    await clearSleeping(x.store, name);
    return result;
  });
}

/** The docker runtime's start: the stopped containers first (no create), then converge for the rest. */
export async function startContainers(x: OpsDeps, app: App, running: RunningDeployment): Promise<ConvergeResult> {
  const runner = new DockerRunner(x.docker);
  const stopped = (await listAppContainers(x.docker, app.name)).filter((c) => c.deploymentId === running.id && !c.running);
  await Promise.all(stopped.slice(0, app.replicas).map((c) => runner.start(c.id)));
  return converge(
    x,
    app,
    { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
    {
      healthWaitMs: x.config.healthTimeoutSeconds * 1000,
      write: opsLog(x, app.name),
    },
  );
}
