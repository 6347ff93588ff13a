// A release on Swarm: the service is created, or rolled to the new image one task at a time, and
// the tasks that run the new deployment are published as the app's upstreams.
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { validateRelease, type LiveRelease, type ReleaseDeps, type ReleaseSpec } from '../../../builder/index.js';
import { rollingUpdate } from './rolling-update.js';
import {
  deployFailure,
  ensureNetwork,
  imageFor,
  inspectService,
  message,
  removeService,
  serviceOptions,
  step,
  type SwarmContext,
} from './service.js';
import { serviceName, serviceSpec } from './spec.js';
import { serviceReplicas, upstreamsOfReplicas } from './tasks.js';
import { waitRunning } from './waits.js';

export async function releaseService(swarm: SwarmContext, deps: ReleaseDeps, spec: ReleaseSpec): Promise<LiveRelease> {
  const r = validateRelease(spec);
  const healthTimeoutMs = deps.healthTimeoutMs ?? 60_000;
  step(
    deps.log,
    `Releasing ${r.image} as ${r.app} on Swarm (${r.replicas} replica${r.replicas === 1 ? '' : 's'}, ${r.limits.memoryMb} MB, ${r.limits.cpus} CPU)`,
  );
  // Before anything changes: a registry that refuses the image fails the deploy here.
  const image = await imageFor(swarm, r, deps.log);
  await ensureNetwork(swarm);
  const existing = await inspectService(swarm, r.app);
  const options = serviceOptions(swarm, r, healthTimeoutMs, deps.stopGraceSeconds ?? 10, existing);
  const desired = serviceSpec({ ...r, image }, options);
  if (!existing) {
    step(
      deps.log,
      `Creating service ${serviceName(r.app)}; health check: GET ${'path' in r.healthcheck ? r.healthcheck.path : '(tcp)'} on port ${r.port}`,
    );
    const since = Date.now();
    await swarm.docker.createService(desired);
    try {
      await waitRunning(swarm, r.app, r.deploymentId, r.replicas, healthTimeoutMs + 30_000, since);
    } catch (err) {
      // Nothing served before this service: it goes, and the error says why.
      const failure = await deployFailure(swarm, r.app, message(err), since);
      await removeService(swarm, r.app);
      throw failure;
    }
  } else {
    step(deps.log, `Rolling update of ${serviceName(r.app)}, one replica at a time, each started beside the old and health-gated`);
    await rollingUpdate(swarm, r.app, existing, desired, r.replicas, healthTimeoutMs, deps.publish, deps.log);
  }
  const replicas = (await serviceReplicas(swarm.docker, r.app)).filter((x) => x.running && x.deploymentId === r.deploymentId);
  const upstreams = upstreamsOfReplicas(replicas, r.deploymentId);
  step(
    deps.log,
    `Publishing ${upstreams.length} upstream${upstreams.length === 1 ? '' : 's'}: ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ')}`,
  );
  try {
    await deps.publish(upstreams);
  } catch (err) {
    throw new DeployFlowError('DF_ERR_RELEASE_FAILED', `Publishing the new upstreams failed: ${message(err)}`);
  }
  await deps.onLive?.(upstreams);
  return {
    containers: replicas.map((x) => ({ id: x.id, name: x.name, replica: x.replica, hostPort: x.hostPort ?? 0 })),
    upstreams,
    old: [],
  };
}
