// One app's Swarm service, the parts every swarm operation uses: find it, make its network, the
// options its spec is made with, the image its nodes pull, its replica count, its removal, and the
// error a release that failed on it reports.
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Logger } from '../../../common/log/logger.js';
import type { ValidRelease } from '../../../builder/index.js';
import { tailServiceLogs } from './logs.js';
import { pushImage } from './registry.js';
import { networkSpec, serviceName, SWARM_NETWORK, type ServiceOptions } from './spec.js';
import { lastTaskFailure, listTasks } from './tasks.js';

export interface SwarmRuntimeOptions {
  /** This manager's node id: without a registry every task is placed here (the image is only here). */
  managerNodeId: string;
  /** DEPLOYFLOW_REGISTRY, or null (single node). */
  registry: string | null;
  log: Logger;
  /** How long Swarm watches each updated task before the next (default 2 s). */
  monitorMs?: number;
  pollMs?: number;
}

/** What every swarm operation works with: a manager's engine and how the runtime was set up. */
export interface SwarmContext {
  readonly docker: Docker;
  readonly options: SwarmRuntimeOptions;
  /** How often a wait asks Swarm again. */
  readonly pollMs: number;
}

export interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: Docker.ServiceSpec & { Labels?: Record<string, string>; Mode?: { Replicated?: { Replicas?: number } } };
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function step(log: (line: string) => void, text: string): void {
  log(`-----> ${text}`);
}

export async function inspectService(swarm: SwarmContext, app: string): Promise<ServiceInfo | null> {
  try {
    return (await swarm.docker.getService(serviceName(app)).inspect()) as ServiceInfo;
  } catch (err) {
    if (statusCode(err) === 404) return null;
    throw err;
  }
}

export async function ensureNetwork(swarm: SwarmContext): Promise<void> {
  const exists = await swarm.docker
    .getNetwork(SWARM_NETWORK)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (exists) return;
  await swarm.docker.createNetwork(networkSpec()).catch((err: unknown) => {
    if (statusCode(err) !== 409) throw err;
  });
}

export function serviceOptions(
  swarm: SwarmContext,
  r: ValidRelease,
  healthTimeoutMs: number,
  stopGraceSeconds: number,
  existing: ServiceInfo | null,
): ServiceOptions {
  // Without a registry the image exists on this node only; a volume lives on the node that
  // made it. Either way every task goes to this manager. An existing service keeps its pin.
  const pinned = existing?.Spec.TaskTemplate?.Placement?.Constraints ?? [];
  const pin = !swarm.options.registry || r.volumes.length > 0 ? [`node.id==${swarm.options.managerNodeId}`] : [];
  return {
    constraints: pinned.length ? pinned : pin,
    healthTimeoutMs,
    monitorMs: swarm.options.monitorMs ?? 2000,
    stopGraceSeconds,
    forceUpdate:
      (existing?.Spec.TaskTemplate?.ForceUpdate ?? 0) + (existing?.Spec.Labels?.['deployflow.deployment'] === r.deploymentId ? 1 : 0),
  };
}

/** The image reference the nodes pull: pushed to DEPLOYFLOW_REGISTRY first when there is one. */
export async function imageFor(swarm: SwarmContext, r: ValidRelease, log: (line: string) => void): Promise<string> {
  if (!swarm.options.registry) return r.image;
  step(log, `Pushing ${r.image} to ${swarm.options.registry}`);
  return pushImage(swarm.docker, r.image, swarm.options.registry);
}

export async function setReplicas(swarm: SwarmContext, svc: ServiceInfo, replicas: number): Promise<void> {
  const spec = structuredClone(svc.Spec);
  spec.Mode = { Replicated: { Replicas: replicas } };
  await swarm.docker.getService(svc.ID).update({ _query: { version: svc.Version.Index }, _body: spec } as never);
}

export async function removeService(swarm: SwarmContext, app: string): Promise<void> {
  await swarm.docker
    .getService(serviceName(app))
    .remove()
    .catch((err: unknown) => {
      if (statusCode(err) !== 404) throw err;
    });
  // The tasks' containers go shortly after the service: wait, so volumes and images are free.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const left = await swarm.docker.listContainers({
      all: true,
      filters: { label: [`com.docker.swarm.service.name=${serviceName(app)}`] },
    });
    if (left.length === 0) return;
    await delay(swarm.pollMs);
  }
}

/** The deploy's error: the reason, the failing task's state and the app's last lines (never env). */
export async function deployFailure(
  swarm: SwarmContext,
  app: string,
  reason: string,
  since: number,
  code: 'DF_ERR_HEALTHCHECK_FAILED' | 'DF_ERR_RELEASE_FAILED' = 'DF_ERR_HEALTHCHECK_FAILED',
): Promise<DeployFlowError> {
  const tasks = await listTasks(swarm.docker, app, 'any').catch(() => []);
  const task = lastTaskFailure(tasks, since);
  const logs = await tailServiceLogs(swarm.docker, app, 30).catch(() => []);
  const full = task && !reason.includes(task) ? `${reason} (${task})` : reason;
  const what = code === 'DF_ERR_HEALTHCHECK_FAILED' ? 'did not become healthy on Swarm' : 'could not be released on Swarm';
  return new DeployFlowError(code, `The new version of ${app} ${what}: ${full}`, { reason: full, logs });
}
