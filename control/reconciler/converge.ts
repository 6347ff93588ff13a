// Makes one app's containers match its desired state (the plan in plan.ts) and publishes the
// healthy ones — only when the route table would actually change. Shared by the reconciler,
// scale and start, always inside the app's per-app queue.
import {
  containerName,
  freeReplicaNumbers,
  listAppContainers,
  prepareInfra,
  replicaDeps,
  retire,
  startHealthy,
  upstreamsOf,
  validateRelease,
  waitHealthy,
  type Started,
  type Upstream,
} from '../../builder/index.js';
import { appHosts } from '../deploy/hosts.js';
import type { ConvergeOptions, ConvergeResult, ConvergeTarget, OpsDeps } from '../app-runtime/runtime.js';
import { releaseDeps } from '../operations/deps.js';
import type { App } from '../store/types.js';
import { planApp, sameUpstreams } from './plan.js';

export type { ConvergeOptions, ConvergeResult, ConvergeTarget };

export async function converge(ops: OpsDeps, app: App, target: ConvergeTarget, opts: ConvergeOptions): Promise<ConvergeResult> {
  const forRelease = releaseDeps(ops, app, opts.write);
  const forReplicas = replicaDeps(forRelease);
  const check = { path: app.healthcheck.path };
  // Containers draining after a release (on any instance) are the deploy engine's to stop, once their requests finished.
  const draining = await ops.deploy.drainingIds(app.name);
  const containers = (await listAppContainers(ops.docker, app.name)).filter((c) => !draining.has(c.id));
  const observed = await Promise.all(
    containers.map(async (c) => ({
      id: c.id,
      name: c.name,
      deploymentId: c.deploymentId,
      replica: c.replica,
      running: c.running,
      hostPort: c.hostPort,
      healthy:
        c.running && !target.stopped && c.deploymentId === target.deploymentId
          ? await waitHealthy(
              { runner: forReplicas.runner, clock: forReplicas.clock, timeoutMs: opts.healthWaitMs },
              c.id,
              app.port,
              check,
            ).then(
              () => true,
              () => false,
            )
          : false,
    })),
  );
  const plan = planApp(target, observed);
  await Promise.all(plan.remove.map((c) => forReplicas.runner.remove(c.id)));
  await Promise.all(plan.stop.map((c) => forReplicas.runner.stop(c.id)));

  let created: Started[] = [];
  if (plan.create > 0 && target.deploymentId && target.image) {
    const env = ops.envCipher.decryptAll(app.name, await ops.store.env.get(app.name));
    const r = validateRelease({
      app: app.name,
      deploymentId: target.deploymentId,
      image: target.image,
      replicas: plan.create,
      env,
      limits: app.limits,
      healthcheck: check,
      port: app.port,
      volumes: app.volumes,
      labels: ops.deploy.labels,
    });
    opts.write(`-----> Starting ${plan.create} replica${plan.create === 1 ? '' : 's'} of ${app.name}`);
    await prepareInfra(forReplicas, r);
    const removed = new Set(plan.remove.map((c) => c.id));
    const taken = new Set(containers.filter((c) => !removed.has(c.id)).map((c) => c.name));
    created = await startHealthy(
      forReplicas,
      r,
      freeReplicaNumbers(taken, (n) => containerName(r.app, r.deploymentId, n), plan.create),
    );
  }

  const upstreams = upstreamsOf([...plan.upstreamPorts.map((hostPort) => ({ hostPort })), ...created]);
  // An app that never ran gets no route at all (404), not an empty one (503).
  const published = target.deploymentId ? await publishIfChanged(ops, app, upstreams, opts.write) : false;
  await retire(forRelease, forReplicas.runner, plan.retire);
  return {
    upstreams,
    published,
    removed: plan.remove.map((c) => c.name),
    stopped: plan.stop.map((c) => c.name),
    created: created.map((c) => c.name),
    retired: plan.retire.map((c) => c.name),
  };
}

/** Publishes unless every host of the app already routes to exactly these upstreams. */
export async function publishIfChanged(ops: OpsDeps, app: App, upstreams: Upstream[], write: (line: string) => void): Promise<boolean> {
  if (!ops.routes) return false;
  const table = await ops.routes.readRouteTable();
  const hosts = appHosts(ops.config, app);
  const current = Object.entries(table.routes).filter(([, r]) => r.app === app.name);
  const same =
    current.length === hosts.length &&
    hosts.every((h) => table.routes[h]?.app === app.name && sameUpstreams(table.routes[h].upstreams, upstreams));
  if (same) return false;
  await ops.deploy.publish(app, upstreams, write);
  return true;
}
