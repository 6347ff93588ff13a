// A rolling update of a service, followed to its end: Swarm starts each new task beside the old
// one behind its health check and rolls back on the first failure; this publishes the tasks that
// serve as they change and turns a rollback, a node lost mid-update or a timeout into the error.
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Upstream } from '../../../builder/index.js';
import { deployFailure, inspectService, type ServiceInfo, type SwarmContext } from './service.js';
import { serviceName } from './spec.js';
import { nodeAddresses, serviceReplicas, upstreamsOfReplicas } from './tasks.js';

/** A node in words: hostnames repeat (nodes made from one image), so with its short id. */
function nodeName(nodes: Awaited<ReturnType<typeof nodeAddresses>>, id: string): string {
  const name = nodes.get(id)?.name;
  return name ? `${name} (${id.slice(0, 12)})` : id.slice(0, 12);
}

const upstreamKey = (u: Upstream[]): string => u.map((x) => `${x.host}:${x.port}`).join(',');

/**
 * Hands Swarm the new spec and follows its rolling update: tasks that run (health-gated) are
 * published as they come and go, so the gateway always has the ones serving. A failed update
 * rolls back (Swarm's FailureAction) and this throws once the old version serves again.
 */
export async function rollingUpdate(
  swarm: SwarmContext,
  app: string,
  svc: ServiceInfo,
  spec: Docker.ServiceSpec,
  replicas: number,
  healthTimeoutMs: number,
  publish: (u: Upstream[]) => Promise<void>,
  log: (line: string) => void,
): Promise<void> {
  const before = svc.UpdateStatus?.StartedAt;
  const since = Date.now();
  // A node that was ready when the update began and is not any more has left mid-deploy.
  const readyAtStart = new Set([...(await nodeAddresses(swarm.docker)).entries()].filter(([, n]) => n.ready).map(([id]) => id));
  await swarm.docker.getService(svc.ID).update({ _query: { version: svc.Version.Index }, _body: spec } as never);
  const monitorMs = swarm.options.monitorMs ?? 2000;
  const deadline = since + (healthTimeoutMs + monitorMs + 5_000) * (Math.max(1, replicas) + 1);
  let published = '';
  for (;;) {
    const current = await inspectService(swarm, app);
    if (!current) throw new DeployFlowError('DF_ERR_RELEASE_FAILED', `Service ${serviceName(app)} was removed during the update`);
    const serving = upstreamsOfReplicas(await serviceReplicas(swarm.docker, app));
    if (serving.length > 0 && upstreamKey(serving) !== published) {
      await publish(serving);
      published = upstreamKey(serving);
    }
    const status = current.UpdateStatus;
    const mine = status && status.StartedAt !== before;
    if (mine && status.State === 'completed') return;
    const nodes = await nodeAddresses(swarm.docker);
    const left = [...readyAtStart].filter((id) => !nodes.get(id)?.ready).map((id) => nodeName(nodes, id));
    // A lost node is the reason even when Swarm has already rolled back (its task failed with it).
    if (left.length === 0 && mine && (status.State === 'rollback_completed' || status.State === 'rollback_paused')) {
      log(`       Swarm rolled the update back: ${status.Message ?? ''}`);
      throw await deployFailure(swarm, app, status.Message ?? 'the update failed', since);
    }
    if (left.length === 0 && mine && status.State === 'paused') {
      await rollback(swarm, current);
    } else if (left.length > 0 || Date.now() > deadline) {
      // A node that left (its replicas are Swarm's to replace), or tasks that never get placed:
      // this release stops here, and the version before it serves again.
      const reason = left.length
        ? `node${left.length === 1 ? '' : 's'} ${left.join(', ')} left the Swarm during the update`
        : 'the update did not finish in time';
      log(`       ${reason}; rolling back`);
      // Not when Swarm rolls back already: "previous" would then be the very spec that failed.
      if (!status?.State?.startsWith('rollback')) await rollback(swarm, current);
      await waitRolledBack(swarm, app, publish);
      throw await deployFailure(swarm, app, reason, since, left.length ? 'DF_ERR_RELEASE_FAILED' : 'DF_ERR_HEALTHCHECK_FAILED');
    }
    await delay(swarm.pollMs);
  }
}

async function rollback(swarm: SwarmContext, svc: ServiceInfo): Promise<void> {
  await swarm.docker
    .getService(svc.ID)
    .update({ _query: { version: svc.Version.Index, rollback: 'previous' }, _body: svc.Spec } as never)
    .catch((err: unknown) => swarm.options.log.warn({ err, service: svc.ID }, 'asking Swarm to roll back failed'));
}

/** Until Swarm's rollback is over, republishing the tasks that run meanwhile. */
async function waitRolledBack(swarm: SwarmContext, app: string, publish: (u: Upstream[]) => Promise<void>): Promise<void> {
  const deadline = Date.now() + 120_000;
  let published = '';
  while (Date.now() < deadline) {
    const serving = upstreamsOfReplicas(await serviceReplicas(swarm.docker, app));
    if (serving.length > 0 && upstreamKey(serving) !== published) {
      await publish(serving);
      published = upstreamKey(serving);
    }
    const s = (await inspectService(swarm, app))?.UpdateStatus?.State;
    if (s === 'rollback_completed' || s === 'rollback_paused' || s === undefined) return;
    await delay(swarm.pollMs);
  }
}
