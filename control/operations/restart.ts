// Rolling restart with the same image: one replica at a time, a new container starts and must
// pass its health check, the route switches from the old one to it, the old one drains and
// goes. Serving capacity never drops below what it was, and a failed replacement stops the
// roll with the old replica still serving.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import {
  containerName,
  freeReplicaNumbers,
  listAppContainers,
  prepareInfra,
  replicaDeps,
  retire,
  startHealthy,
  validateRelease,
  type Upstream,
} from '../../builder/index.js';
import { converge } from '../reconciler/converge.js';
import { releaseDeps, opsLog, type OpsDeps } from './deps.js';
import { runningDeployment } from './state.js';
import { isStopped } from './stopped.js';
import { isSleeping } from '../edge/state.js';
import type { RunningDeployment } from '../app-runtime/runtime.js';
import type { App } from '../store/types.js';

export function restartApp(ops: OpsDeps, name: string): Promise<string[]> {
  return ops.deploy.runExclusive(name, async () => {
    const app = await ops.store.apps.get(name);
    if (!app) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
    const running = runningDeployment(await ops.store.deployments.listByApp(name, 50));
    if (!running) throw new DeployFlowError('DF_ERR_NOT_DEPLOYED');
    if (await isStopped(ops.store, name)) throw new DeployFlowError('DF_ERR_APP_STOPPED');
    // Asleep: nothing runs, and the next wake starts the containers afresh anyway.
    if (await isSleeping(ops.store, name)) return [];
    return ops.deploy.runtime.restart(ops, app, running);
  });
}

/** The docker runtime's rolling restart: one container at a time, replaced by a healthy new one. */
export async function rollContainers(ops: OpsDeps, app: App, running: RunningDeployment): Promise<string[]> {
  const name = app.name;
  const write = opsLog(ops, name);
  const forRelease = releaseDeps(ops, app, write);
  const forReplicas = replicaDeps(forRelease);
  const env = ops.envCipher.decryptAll(app.name, await ops.store.env.get(app.name));
  const r = validateRelease({
    app: app.name,
    deploymentId: running.id,
    image: running.image,
    replicas: 1,
    env,
    limits: app.limits,
    healthcheck: { path: app.healthcheck.path },
    port: app.port,
    volumes: app.volumes,
    labels: ops.deploy.labels,
  });
  await prepareInfra(forReplicas, r);
  const all = await listAppContainers(ops.docker, name);
  const old = all.filter((c) => c.deploymentId === running.id && c.running && c.hostPort);
  const taken = new Set(all.map((c) => c.name));
  let serving: Upstream[] = old.map((c) => ({ host: '127.0.0.1', port: c.hostPort! }));
  const replaced: string[] = [];
  for (const c of old) {
    const [fresh] = await startHealthy(
      forReplicas,
      r,
      freeReplicaNumbers(taken, (n) => containerName(r.app, r.deploymentId, n), 1),
    );
    if (!fresh) break;
    taken.add(fresh.name);
    serving = [...serving.filter((u) => u.port !== c.hostPort), { host: '127.0.0.1', port: fresh.hostPort }];
    await ops.deploy.publish(app, serving, write);
    await retire(forRelease, forReplicas.runner, [c]);
    replaced.push(c.name);
  }
  // Replicas that had crashed, or a count that drifted, are put right the same way the reconciler would.
  await converge(
    ops,
    app,
    { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
    { healthWaitMs: 2000, write },
  );
  return replaced;
}
