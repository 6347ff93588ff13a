// Day two on Swarm: bringing a service to what the store wants (created again, moved to the
// deployment that serves, scaled), and start, restart, stop, wake and removal built on it.
import { LABEL_APP, removeAppImages, validateRelease, type Upstream, type ValidRelease } from '../../../builder/index.js';
import type { OpsDeps } from '../../operations/deps.js';
import { publishIfChanged, type ConvergeOptions, type ConvergeResult, type ConvergeTarget } from '../../reconciler/converge.js';
import type { App } from '../../store/types.js';
import type { RemoveOptions, RunningDeployment } from '../runtime.js';
import { rollingUpdate } from './rolling-update.js';
import {
  deployFailure,
  ensureNetwork,
  imageFor,
  inspectService,
  message,
  removeService,
  serviceOptions,
  setReplicas,
  type SwarmContext,
} from './service.js';
import { serviceName, serviceSpec } from './spec.js';
import { serviceReplicas, upstreamsOfReplicas } from './tasks.js';
import { waitRunning, waitSettled } from './waits.js';

export async function convergeService(
  swarm: SwarmContext,
  ops: OpsDeps,
  app: App,
  target: ConvergeTarget,
  opts: ConvergeOptions,
): Promise<ConvergeResult> {
  const result: ConvergeResult = { upstreams: [], published: false, removed: [], stopped: [], created: [], retired: [] };
  if (!target.deploymentId || !target.image) return result;
  const want = target.stopped ? 0 : target.replicas;
  const healthTimeoutMs = ops.config.healthTimeoutSeconds * 1000;
  let svc = await inspectService(swarm, app.name);
  const since = Date.now();
  if (!svc && want > 0) {
    // Gone from Swarm (removed by hand, or a new Swarm): created again from the store.
    opts.write(`-----> Creating service ${serviceName(app.name)} with ${want} replica${want === 1 ? '' : 's'}`);
    const r = await releaseOf(ops, app, target.deploymentId, target.image, want);
    await ensureNetwork(swarm);
    await swarm.docker.createService(
      serviceSpec({ ...r, image: await imageFor(swarm, r, opts.write) }, serviceOptions(swarm, r, healthTimeoutMs, 10, null)),
    );
    await waitRunning(swarm, app.name, target.deploymentId, want, healthTimeoutMs + 30_000, since).catch(async (err: unknown) => {
      throw await deployFailure(swarm, app.name, message(err), since);
    });
    result.created = (await serviceReplicas(swarm.docker, app.name)).map((c) => c.name);
  } else if (svc && svc.Spec.Labels?.['deployflow.deployment'] !== target.deploymentId && want > 0) {
    // The service runs another deployment than the one the store says serves (control stopped mid-update).
    const r = await releaseOf(ops, app, target.deploymentId, target.image, want);
    const desired = serviceSpec({ ...r, image: await imageFor(swarm, r, opts.write) }, serviceOptions(swarm, r, healthTimeoutMs, 10, svc));
    await rollingUpdate(swarm, app.name, svc, desired, want, healthTimeoutMs, (u) => ops.deploy.publish(app, u, opts.write), opts.write);
    result.created = (await serviceReplicas(swarm.docker, app.name)).map((c) => c.name);
  } else if (svc && (svc.Spec.Mode?.Replicated?.Replicas ?? 0) !== want) {
    const before = (await serviceReplicas(swarm.docker, app.name)).filter((c) => c.running);
    const from = svc.Spec.Mode?.Replicated?.Replicas ?? 0;
    opts.write(`-----> Scaling ${serviceName(app.name)} from ${from} to ${want}`);
    if (want < before.length && want > 0 && ops.routes) {
      // Unpublished before Swarm stops them: the replicas with the highest slots go first.
      await ops.deploy.publish(app, upstreamsOfReplicas(before.slice(0, want), target.deploymentId), opts.write);
    }
    await setReplicas(swarm, svc, want);
    try {
      if (want < from && want > 0) {
        // Swarm picks the tasks that go: once it has, the route is the ones it keeps, before
        // their containers have stopped (the guess above was only the likeliest).
        await waitSettled(swarm, app.name, target.deploymentId, want, 60_000, since, 'chosen');
        await publishIfChanged(
          ops,
          app,
          upstreamsOfReplicas(await serviceReplicas(swarm.docker, app.name), target.deploymentId),
          opts.write,
        );
      }
      await waitSettled(swarm, app.name, target.deploymentId, want, want > from ? healthTimeoutMs + 30_000 : 60_000, since);
    } catch (err) {
      // A scale-up that does not come up healthy goes back to the count before.
      svc = await inspectService(swarm, app.name);
      if (svc && want > from) await setReplicas(swarm, svc, from).catch(() => undefined);
      throw await deployFailure(swarm, app.name, message(err), since);
    }
    const after = (await serviceReplicas(swarm.docker, app.name)).filter((c) => c.running);
    const names = new Set(after.map((c) => c.name));
    const gone = before.filter((c) => !names.has(c.name)).map((c) => c.name);
    if (want === 0) result.stopped = gone;
    else result.retired = gone;
    const had = new Set(before.map((c) => c.name));
    result.created = after.filter((c) => !had.has(c.name)).map((c) => c.name);
  }
  result.upstreams = want === 0 ? [] : upstreamsOfReplicas(await serviceReplicas(swarm.docker, app.name), target.deploymentId);
  result.published = await publishIfChanged(ops, app, result.upstreams, opts.write);
  return result;
}

export function startService(swarm: SwarmContext, ops: OpsDeps, app: App, running: RunningDeployment): Promise<ConvergeResult> {
  return convergeService(
    swarm,
    ops,
    app,
    { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
    {
      healthWaitMs: ops.config.healthTimeoutSeconds * 1000,
      write: (line) => ops.log.info({ app: app.name }, line.replace(/^-----> /, '')),
    },
  );
}

export async function restartService(swarm: SwarmContext, ops: OpsDeps, app: App, running: RunningDeployment): Promise<string[]> {
  const write = (line: string): void => ops.log.info({ app: app.name }, line.replace(/^-----> /, ''));
  const svc = await inspectService(swarm, app.name);
  if (!svc) return (await startService(swarm, ops, app, running)).created;
  const old = (await serviceReplicas(swarm.docker, app.name)).filter((c) => c.running).map((c) => c.name);
  const spec = structuredClone(svc.Spec);
  spec.TaskTemplate = { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate?.ForceUpdate ?? 0) + 1 };
  await rollingUpdate(
    swarm,
    app.name,
    svc,
    spec,
    spec.Mode?.Replicated?.Replicas ?? app.replicas,
    ops.config.healthTimeoutSeconds * 1000,
    (u) => ops.deploy.publish(app, u, write),
    write,
  );
  await publishIfChanged(ops, app, upstreamsOfReplicas(await serviceReplicas(swarm.docker, app.name), running.id), write);
  return old;
}

export async function stopService(swarm: SwarmContext, app: string, graceSeconds = 10): Promise<string[]> {
  const svc = await inspectService(swarm, app);
  if (!svc) return [];
  const running = (await serviceReplicas(swarm.docker, app)).filter((c) => c.running).map((c) => c.name);
  if ((svc.Spec.Mode?.Replicated?.Replicas ?? 0) > 0) await setReplicas(swarm, svc, 0);
  await waitSettled(swarm, app, null, 0, graceSeconds * 1000 + 30_000, Date.now());
  return running;
}

export async function wakeService(swarm: SwarmContext, ops: OpsDeps, app: App, running: RunningDeployment): Promise<Upstream[]> {
  // Not published here: the route still sleeps until the caller switches it.
  const result = await convergeService(
    swarm,
    { ...ops, routes: null },
    app,
    { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
    {
      healthWaitMs: ops.config.healthTimeoutSeconds * 1000,
      write: (line) => ops.log.info({ app: app.name }, line.replace(/^-----> /, '')),
    },
  );
  return result.upstreams;
}

export async function removeAppService(swarm: SwarmContext, app: string, opts: RemoveOptions = {}): Promise<void> {
  await removeService(swarm, app);
  await removeAppImages(swarm.docker, app);
  if (!opts.removeVolumes) return;
  // A volume lives on the node its tasks ran on; this removes the manager's copy.
  const { Volumes } = await swarm.docker.listVolumes({ filters: { label: [`${LABEL_APP}=${app}`] } });
  await Promise.all(
    (Volumes ?? []).map((v) =>
      swarm.docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  );
}

async function releaseOf(ops: OpsDeps, app: App, deploymentId: string, image: string, replicas: number): Promise<ValidRelease> {
  const env = ops.envCipher.decryptAll(app.name, await ops.store.env.get(app.name));
  return validateRelease({
    app: app.name,
    deploymentId,
    image,
    replicas,
    env,
    limits: app.limits,
    healthcheck: { path: app.healthcheck.path },
    port: app.port,
    volumes: app.volumes,
    labels: ops.deploy.labels,
  });
}
