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

async function current(ops: OpsDeps, name: string): Promise<{ app: App; running: (Deployment & { image: string }) | null }> {
  const app = await ops.store.apps.get(name);
  if (!app) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  return { app, running: runningDeployment(await ops.store.deployments.listByApp(name, 50)) };
}

/**
 * Sets the app's replicas and, when it is deployed and not stopped, makes exactly that many
 * healthy replicas serve. The new count is stored only once it is reached, so a failed scale-up
 * leaves both the containers and the setting as they were.
 */
export function scaleApp(ops: OpsDeps, name: string, replicas: number): Promise<ConvergeResult | null> {
  return ops.deploy.runExclusive(name, async () => {
    const { app, running } = await current(ops, name);
    // Stopped or asleep: the count applies when it starts (or wakes) again.
    if (!running || (await isStopped(ops.store, name)) || (await isSleeping(ops.store, name))) {
      await ops.store.apps.update(name, { replicas });
      return null;
    }
    const result = await ops.deploy.runtime.converge(
      ops,
      { ...app, replicas },
      { deploymentId: running.id, image: running.image, replicas, stopped: false },
      {
        healthWaitMs: 2000,
        write: opsLog(ops, name),
      },
    );
    await ops.store.apps.update(name, { replicas });
    return result;
  });
}

/** Unpublishes the app (the gateway answers 503), lets requests drain, stops its containers. */
export function stopApp(ops: OpsDeps, name: string): Promise<string[]> {
  return ops.deploy.runExclusive(name, async () => {
    const { app, running } = await current(ops, name);
    await setStopped(ops.store, name, true);
    await clearSleeping(ops.store, name); // stopped by its owner: no request wakes it
    if (running) await ops.deploy.publish(app, [], opsLog(ops, name));
    await delay(ops.config.drainSeconds * 1000);
    return ops.deploy.runtime.stop(name);
  });
}

/** Starts the stopped replicas again (creating any that are missing), health-gated, then publishes. */
export function startApp(ops: OpsDeps, name: string): Promise<ConvergeResult> {
  return ops.deploy.runExclusive(name, async () => {
    const { app, running } = await current(ops, name);
    if (!running) throw new DeployFlowError('DF_ERR_NOT_DEPLOYED');
    const result = await ops.deploy.runtime.start(ops, app, running);
    await setStopped(ops.store, name, false);
    await clearSleeping(ops.store, name);
    return result;
  });
}

/** The docker runtime's start: the stopped containers first (no create), then converge for the rest. */
export async function startContainers(ops: OpsDeps, app: App, running: RunningDeployment): Promise<ConvergeResult> {
  const runner = new DockerRunner(ops.docker);
  const stopped = (await listAppContainers(ops.docker, app.name)).filter((c) => c.deploymentId === running.id && !c.running);
  await Promise.all(stopped.slice(0, app.replicas).map((c) => runner.start(c.id)));
  return converge(
    ops,
    app,
    { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
    {
      healthWaitMs: ops.config.healthTimeoutSeconds * 1000,
      write: opsLog(ops, app.name),
    },
  );
}
