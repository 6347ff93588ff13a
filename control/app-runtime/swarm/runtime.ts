// The swarm runtime: each app is one Swarm service (spec.ts) and Swarm is the scheduler — it
// places replicas, replaces failed ones, rolls updates start-first behind the container health
// check and rolls back on the first failure. DeployFlow keeps what it does above that: the deploy
// order, the route table (each running task's host-mode port on its node's address, republished
// as the update proceeds), the store's desired state, logs and metrics.
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Logger } from '../../../common/log/logger.js';
import {
  LABEL_APP,
  removeAppImages,
  validateRelease,
  type LiveRelease,
  type ReleaseDeps,
  type ReleaseSpec,
  type Upstream,
  type ValidRelease,
} from '../../../builder/index.js';
import type { OpsDeps } from '../../operations/deps.js';
import { publishIfChanged, type ConvergeOptions, type ConvergeResult, type ConvergeTarget } from '../../reconciler/converge.js';
import { LABEL_INSTANCE } from '../../reconciler/instance.js';
import type { App } from '../../store/types.js';
import { containerStats } from '../container-stats.js';
import type { AppRuntime, RemoveOptions, Replica, ReplicaLogLine, ReplicaStats, RunningDeployment } from '../runtime.js';
import { followServiceLogs, tailServiceLogs } from './logs.js';
import { pushImage } from './registry.js';
import { networkSpec, serviceName, serviceSpec, SWARM_NETWORK, type ServiceOptions } from './spec.js';
import { lastTaskFailure, listTasks, nodeAddresses, taskDeployment, taskReplicas, upstreamsOfReplicas } from './tasks.js';

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

interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: Docker.ServiceSpec & { Labels?: Record<string, string>; Mode?: { Replicated?: { Replicas?: number } } };
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
}

function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number((err as { statusCode: unknown }).statusCode) : undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function step(log: (line: string) => void, text: string): void {
  log(`-----> ${text}`);
}

/** A node in words: hostnames repeat (nodes made from one image), so with its short id. */
function nodeName(nodes: Awaited<ReturnType<typeof nodeAddresses>>, id: string): string {
  const name = nodes.get(id)?.name;
  return name ? `${name} (${id.slice(0, 12)})` : id.slice(0, 12);
}

/** Task states before a task's end: its container may exist and run (complete, shutdown, failed… are ends). */
const LIVE_TASK_STATES = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);

const upstreamKey = (u: Upstream[]): string => u.map((x) => `${x.host}:${x.port}`).join(',');

export class SwarmRuntime implements AppRuntime {
  readonly kind = 'swarm' as const;
  private readonly pollMs: number;

  constructor(
    readonly docker: Docker,
    private readonly o: SwarmRuntimeOptions,
  ) {
    this.pollMs = o.pollMs ?? 250;
  }

  // ---- releases ----------------------------------------------------------------------------

  async goLive(deps: ReleaseDeps, spec: ReleaseSpec): Promise<LiveRelease> {
    const r = validateRelease(spec);
    const healthTimeoutMs = deps.healthTimeoutMs ?? 60_000;
    step(
      deps.log,
      `Releasing ${r.image} as ${r.app} on Swarm (${r.replicas} replica${r.replicas === 1 ? '' : 's'}, ${r.limits.memoryMb} MB, ${r.limits.cpus} CPU)`,
    );
    // Before anything changes: a registry that refuses the image fails the deploy here.
    const image = await this.imageFor(r, deps.log);
    await this.ensureNetwork();
    const existing = await this.inspect(r.app);
    const options = this.serviceOptions(r, healthTimeoutMs, deps.stopGraceSeconds ?? 10, existing);
    const desired = serviceSpec({ ...r, image }, options);
    if (!existing) {
      step(
        deps.log,
        `Creating service ${serviceName(r.app)}; health check: GET ${'path' in r.healthcheck ? r.healthcheck.path : '(tcp)'} on port ${r.port}`,
      );
      const since = Date.now();
      await this.docker.createService(desired);
      try {
        await this.waitRunning(r.app, r.deploymentId, r.replicas, healthTimeoutMs + 30_000, since);
      } catch (err) {
        // Nothing served before this service: it goes, and the error says why.
        const failure = await this.failure(r.app, message(err), since);
        await this.removeService(r.app);
        throw failure;
      }
    } else {
      step(deps.log, `Rolling update of ${serviceName(r.app)}, one replica at a time, each started beside the old and health-gated`);
      await this.rollingUpdate(r.app, existing, desired, r.replicas, healthTimeoutMs, deps.publish, deps.log);
    }
    const replicas = (await this.replicas(r.app)).filter((x) => x.running && x.deploymentId === r.deploymentId);
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

  /** Swarm already stopped the old tasks during the update. */
  async retire(): Promise<void> {}

  // ---- day two -----------------------------------------------------------------------------

  async converge(x: OpsDeps, app: App, target: ConvergeTarget, opts: ConvergeOptions): Promise<ConvergeResult> {
    const result: ConvergeResult = { upstreams: [], published: false, removed: [], stopped: [], created: [], retired: [] };
    if (!target.deploymentId || !target.image) return result;
    const want = target.stopped ? 0 : target.replicas;
    const healthTimeoutMs = x.config.healthTimeoutSeconds * 1000;
    let svc = await this.inspect(app.name);
    const since = Date.now();
    if (!svc && want > 0) {
      // Gone from Swarm (removed by hand, or a new Swarm): created again from the store.
      opts.write(`-----> Creating service ${serviceName(app.name)} with ${want} replica${want === 1 ? '' : 's'}`);
      const r = await this.releaseOf(x, app, target.deploymentId, target.image, want);
      await this.ensureNetwork();
      await this.docker.createService(
        serviceSpec({ ...r, image: await this.imageFor(r, opts.write) }, this.serviceOptions(r, healthTimeoutMs, 10, null)),
      );
      await this.waitRunning(app.name, target.deploymentId, want, healthTimeoutMs + 30_000, since).catch(async (err: unknown) => {
        throw await this.failure(app.name, message(err), since);
      });
      result.created = (await this.replicas(app.name)).map((c) => c.name);
    } else if (svc && svc.Spec.Labels?.['deployflow.deployment'] !== target.deploymentId && want > 0) {
      // The service runs another deployment than the one the store says serves (control stopped mid-update).
      const r = await this.releaseOf(x, app, target.deploymentId, target.image, want);
      const desired = serviceSpec({ ...r, image: await this.imageFor(r, opts.write) }, this.serviceOptions(r, healthTimeoutMs, 10, svc));
      await this.rollingUpdate(app.name, svc, desired, want, healthTimeoutMs, (u) => x.deploy.publish(app, u, opts.write), opts.write);
      result.created = (await this.replicas(app.name)).map((c) => c.name);
    } else if (svc && (svc.Spec.Mode?.Replicated?.Replicas ?? 0) !== want) {
      const before = (await this.replicas(app.name)).filter((c) => c.running);
      const from = svc.Spec.Mode?.Replicated?.Replicas ?? 0;
      opts.write(`-----> Scaling ${serviceName(app.name)} from ${from} to ${want}`);
      if (want < before.length && want > 0 && x.routes) {
        // Unpublished before Swarm stops them: the replicas with the highest slots go first.
        await x.deploy.publish(app, upstreamsOfReplicas(before.slice(0, want), target.deploymentId), opts.write);
      }
      await this.setReplicas(svc, want);
      try {
        if (want < from && want > 0) {
          // Swarm picks the tasks that go: once it has, the route is the ones it keeps, before
          // their containers have stopped (the guess above was only the likeliest).
          await this.waitSettled(app.name, target.deploymentId, want, 60_000, since, 'chosen');
          await publishIfChanged(x, app, upstreamsOfReplicas(await this.replicas(app.name), target.deploymentId), opts.write);
        }
        await this.waitSettled(app.name, target.deploymentId, want, want > from ? healthTimeoutMs + 30_000 : 60_000, since);
      } catch (err) {
        // A scale-up that does not come up healthy goes back to the count before.
        svc = await this.inspect(app.name);
        if (svc && want > from) await this.setReplicas(svc, from).catch(() => undefined);
        throw await this.failure(app.name, message(err), since);
      }
      const after = (await this.replicas(app.name)).filter((c) => c.running);
      const names = new Set(after.map((c) => c.name));
      const gone = before.filter((c) => !names.has(c.name)).map((c) => c.name);
      if (want === 0) result.stopped = gone;
      else result.retired = gone;
      const had = new Set(before.map((c) => c.name));
      result.created = after.filter((c) => !had.has(c.name)).map((c) => c.name);
    }
    result.upstreams = want === 0 ? [] : upstreamsOfReplicas(await this.replicas(app.name), target.deploymentId);
    result.published = await publishIfChanged(x, app, result.upstreams, opts.write);
    return result;
  }

  start(x: OpsDeps, app: App, running: RunningDeployment): Promise<ConvergeResult> {
    return this.converge(
      x,
      app,
      { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
      {
        healthWaitMs: x.config.healthTimeoutSeconds * 1000,
        write: (line) => x.log.info({ app: app.name }, line.replace(/^-----> /, '')),
      },
    );
  }

  async restart(x: OpsDeps, app: App, running: RunningDeployment): Promise<string[]> {
    const write = (line: string): void => x.log.info({ app: app.name }, line.replace(/^-----> /, ''));
    const svc = await this.inspect(app.name);
    if (!svc) return (await this.start(x, app, running)).created;
    const old = (await this.replicas(app.name)).filter((c) => c.running).map((c) => c.name);
    const spec = structuredClone(svc.Spec);
    spec.TaskTemplate = { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate?.ForceUpdate ?? 0) + 1 };
    await this.rollingUpdate(
      app.name,
      svc,
      spec,
      spec.Mode?.Replicated?.Replicas ?? app.replicas,
      x.config.healthTimeoutSeconds * 1000,
      (u) => x.deploy.publish(app, u, write),
      write,
    );
    await publishIfChanged(x, app, upstreamsOfReplicas(await this.replicas(app.name), running.id), write);
    return old;
  }

  async stop(app: string, graceSeconds = 10): Promise<string[]> {
    const svc = await this.inspect(app);
    if (!svc) return [];
    const running = (await this.replicas(app)).filter((c) => c.running).map((c) => c.name);
    if ((svc.Spec.Mode?.Replicated?.Replicas ?? 0) > 0) await this.setReplicas(svc, 0);
    await this.waitSettled(app, null, 0, graceSeconds * 1000 + 30_000, Date.now());
    return running;
  }

  async wake(x: OpsDeps, app: App, running: RunningDeployment): Promise<Upstream[]> {
    // Not published here: the route still sleeps until the caller switches it.
    const result = await this.converge(
      { ...x, routes: null },
      app,
      { deploymentId: running.id, image: running.image, replicas: app.replicas, stopped: false },
      {
        healthWaitMs: x.config.healthTimeoutSeconds * 1000,
        write: (line) => x.log.info({ app: app.name }, line.replace(/^-----> /, '')),
      },
    );
    return result.upstreams;
  }

  async replicas(app: string): Promise<Replica[]> {
    const [tasks, nodes] = await Promise.all([listTasks(this.docker, app), nodeAddresses(this.docker)]);
    return taskReplicas(app, tasks, nodes);
  }

  tailLogs(app: string, tail: number): Promise<string[]> {
    return tailServiceLogs(this.docker, app, tail);
  }

  followLogs(app: string, onLine: (l: ReplicaLogLine) => void, pollMs: number): () => void {
    return followServiceLogs(this.docker, app, onLine, pollMs);
  }

  /** The tasks on this manager's node (Swarm has no cluster-wide stats). */
  stats(labels: Record<string, string>): Promise<ReplicaStats[]> {
    return containerStats(this.docker, labels, (c) => {
      const app = c.Labels[LABEL_APP] ?? '';
      const slot = /^[^.]+\.(\d+)\./.exec(c.Labels['com.docker.swarm.task.name'] ?? '')?.[1];
      return slot ? `${app}.${slot}` : (c.Names[0] ?? c.Id).replace(/^\//, '');
    });
  }

  async remove(app: string, opts: RemoveOptions = {}): Promise<void> {
    await this.removeService(app);
    await removeAppImages(this.docker, app);
    if (!opts.removeVolumes) return;
    // A volume lives on the node its tasks ran on; this removes the manager's copy.
    const { Volumes } = await this.docker.listVolumes({ filters: { label: [`${LABEL_APP}=${app}`] } });
    await Promise.all(
      (Volumes ?? []).map((v) =>
        this.docker
          .getVolume(v.Name)
          .remove()
          .catch(() => undefined),
      ),
    );
  }

  async instanceApps(instance: string): Promise<string[]> {
    const services = await this.docker.listServices({ filters: { label: [`${LABEL_INSTANCE}=${instance}`] } });
    return services.map((s) => s.Spec?.Labels?.[LABEL_APP] ?? '').filter(Boolean);
  }

  async removeInstanceApp(instance: string, app: string): Promise<string[]> {
    const svc = await this.inspect(app);
    if (!svc || svc.Spec.Labels?.[LABEL_INSTANCE] !== instance) return [];
    await this.removeService(app);
    return [serviceName(app)];
  }

  // ---- the parts -----------------------------------------------------------------------------

  private async inspect(app: string): Promise<ServiceInfo | null> {
    try {
      return (await this.docker.getService(serviceName(app)).inspect()) as ServiceInfo;
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw err;
    }
  }

  private async ensureNetwork(): Promise<void> {
    const exists = await this.docker
      .getNetwork(SWARM_NETWORK)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (exists) return;
    await this.docker.createNetwork(networkSpec()).catch((err: unknown) => {
      if (statusCode(err) !== 409) throw err;
    });
  }

  private serviceOptions(r: ValidRelease, healthTimeoutMs: number, stopGraceSeconds: number, existing: ServiceInfo | null): ServiceOptions {
    // Without a registry the image exists on this node only; a volume lives on the node that
    // made it. Either way every task goes to this manager. An existing service keeps its pin.
    const pinned = existing?.Spec.TaskTemplate?.Placement?.Constraints ?? [];
    const pin = !this.o.registry || r.volumes.length > 0 ? [`node.id==${this.o.managerNodeId}`] : [];
    return {
      constraints: pinned.length ? pinned : pin,
      healthTimeoutMs,
      monitorMs: this.o.monitorMs ?? 2000,
      stopGraceSeconds,
      forceUpdate:
        (existing?.Spec.TaskTemplate?.ForceUpdate ?? 0) + (existing?.Spec.Labels?.['deployflow.deployment'] === r.deploymentId ? 1 : 0),
    };
  }

  private async releaseOf(x: OpsDeps, app: App, deploymentId: string, image: string, replicas: number): Promise<ValidRelease> {
    const env = x.envCipher.decryptAll(app.name, await x.store.env.get(app.name));
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
      labels: x.deploy.labels,
    });
  }

  /** The image reference the nodes pull: pushed to DEPLOYFLOW_REGISTRY first when there is one. */
  private async imageFor(r: ValidRelease, log: (line: string) => void): Promise<string> {
    if (!this.o.registry) return r.image;
    step(log, `Pushing ${r.image} to ${this.o.registry}`);
    return pushImage(this.docker, r.image, this.o.registry);
  }

  private async setReplicas(svc: ServiceInfo, replicas: number): Promise<void> {
    const spec = structuredClone(svc.Spec);
    spec.Mode = { Replicated: { Replicas: replicas } };
    await this.docker.getService(svc.ID).update({ _query: { version: svc.Version.Index }, _body: spec } as never);
  }

  private async removeService(app: string): Promise<void> {
    await this.docker
      .getService(serviceName(app))
      .remove()
      .catch((err: unknown) => {
        if (statusCode(err) !== 404) throw err;
      });
    // The tasks' containers go shortly after the service: wait, so volumes and images are free.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const left = await this.docker.listContainers({
        all: true,
        filters: { label: [`com.docker.swarm.service.name=${serviceName(app)}`] },
      });
      if (left.length === 0) return;
      await delay(this.pollMs);
    }
  }

  /**
   * Until `count` tasks of `deploymentId` run (a task runs only once its health check passed) and
   * — when `deploymentId` is null — until no task runs at all.
   */
  private async waitRunning(app: string, deploymentId: string | null, count: number, timeoutMs: number, since: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tasks = await listTasks(this.docker, app);
      const running = tasks.filter((t) => t.Status?.State === 'running' && (deploymentId === null || taskDeployment(t) === deploymentId));
      if (deploymentId === null ? running.length === 0 : running.length >= count) return;
      if (Date.now() > deadline) {
        const failure = lastTaskFailure(await listTasks(this.docker, app, 'any'), since);
        throw new Error(
          `${running.length} of ${count} replicas running after ${Math.round(timeoutMs / 1000)}s${failure ? ` (${failure})` : ''}`,
        );
      }
      await delay(this.pollMs);
    }
  }

  /**
   * Until Swarm has done what a scale or a stop asked: `count` tasks of `deploymentId` run (so
   * passed their health check), no more are meant to run, and every task told to shut down has
   * stopped — its container has ended — except on nodes that are not ready (nothing reports from
   * a dead node: its tasks stay "running" in Swarm's books while Swarm replaces them elsewhere).
   * `until: 'chosen'` returns earlier, once Swarm has picked the tasks that keep running.
   */
  private async waitSettled(
    app: string,
    deploymentId: string | null,
    count: number,
    timeoutMs: number,
    since: number,
    until: 'stopped' | 'chosen' = 'stopped',
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [tasks, nodes] = await Promise.all([listTasks(this.docker, app, 'any'), nodeAddresses(this.docker)]);
      const meant = tasks.filter((t) => t.DesiredState === 'running');
      const running = meant.filter((t) => t.Status?.State === 'running' && (deploymentId === null || taskDeployment(t) === deploymentId));
      const stopping = tasks.filter(
        (t) =>
          t.DesiredState !== 'running' &&
          LIVE_TASK_STATES.has(t.Status?.State ?? '') &&
          t.NodeID !== undefined &&
          nodes.get(t.NodeID)?.ready === true,
      );
      if (meant.length <= count && (until === 'chosen' || (running.length >= count && stopping.length === 0))) return;
      if (Date.now() > deadline) {
        const failure = lastTaskFailure(tasks, since);
        const what =
          running.length < count ? `${running.length} of ${count} replicas running` : `${stopping.length} replicas still stopping`;
        throw new Error(`${what} after ${Math.round(timeoutMs / 1000)}s${failure ? ` (${failure})` : ''}`);
      }
      await delay(this.pollMs);
    }
  }

  /**
   * Hands Swarm the new spec and follows its rolling update: tasks that run (health-gated) are
   * published as they come and go, so the gateway always has the ones serving. A failed update
   * rolls back (Swarm's FailureAction) and this throws once the old version serves again.
   */
  private async rollingUpdate(
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
    const readyAtStart = new Set([...(await nodeAddresses(this.docker)).entries()].filter(([, n]) => n.ready).map(([id]) => id));
    await this.docker.getService(svc.ID).update({ _query: { version: svc.Version.Index }, _body: spec } as never);
    const monitorMs = this.o.monitorMs ?? 2000;
    const deadline = since + (healthTimeoutMs + monitorMs + 5_000) * (Math.max(1, replicas) + 1);
    let published = '';
    for (;;) {
      const current = await this.inspect(app);
      if (!current) throw new DeployFlowError('DF_ERR_RELEASE_FAILED', `Service ${serviceName(app)} was removed during the update`);
      const serving = upstreamsOfReplicas(await this.replicas(app));
      if (serving.length > 0 && upstreamKey(serving) !== published) {
        await publish(serving);
        published = upstreamKey(serving);
      }
      const status = current.UpdateStatus;
      const mine = status && status.StartedAt !== before;
      if (mine && status.State === 'completed') return;
      const nodes = await nodeAddresses(this.docker);
      const left = [...readyAtStart].filter((id) => !nodes.get(id)?.ready).map((id) => nodeName(nodes, id));
      // A lost node is the reason even when Swarm has already rolled back (its task failed with it).
      if (left.length === 0 && mine && (status.State === 'rollback_completed' || status.State === 'rollback_paused')) {
        log(`       Swarm rolled the update back: ${status.Message ?? ''}`);
        throw await this.failure(app, status.Message ?? 'the update failed', since);
      }
      if (left.length === 0 && mine && status.State === 'paused') {
        await this.rollback(current);
      } else if (left.length > 0 || Date.now() > deadline) {
        // A node that left (its replicas are Swarm's to replace), or tasks that never get placed:
        // this release stops here, and the version before it serves again.
        const reason = left.length
          ? `node${left.length === 1 ? '' : 's'} ${left.join(', ')} left the Swarm during the update`
          : 'the update did not finish in time';
        log(`       ${reason}; rolling back`);
        // Not when Swarm rolls back already: "previous" would then be the very spec that failed.
        if (!status?.State?.startsWith('rollback')) await this.rollback(current);
        await this.waitRolledBack(app, publish);
        throw await this.failure(app, reason, since, left.length ? 'DF_ERR_RELEASE_FAILED' : 'DF_ERR_HEALTHCHECK_FAILED');
      }
      await delay(this.pollMs);
    }
  }

  private async rollback(svc: ServiceInfo): Promise<void> {
    await this.docker
      .getService(svc.ID)
      .update({ _query: { version: svc.Version.Index, rollback: 'previous' }, _body: svc.Spec } as never)
      .catch((err: unknown) => this.o.log.warn({ err, service: svc.ID }, 'asking Swarm to roll back failed'));
  }

  /** Until Swarm's rollback is over, republishing the tasks that run meanwhile. */
  private async waitRolledBack(app: string, publish: (u: Upstream[]) => Promise<void>): Promise<void> {
    const deadline = Date.now() + 120_000;
    let published = '';
    while (Date.now() < deadline) {
      const serving = upstreamsOfReplicas(await this.replicas(app));
      if (serving.length > 0 && upstreamKey(serving) !== published) {
        await publish(serving);
        published = upstreamKey(serving);
      }
      const s = (await this.inspect(app))?.UpdateStatus?.State;
      if (s === 'rollback_completed' || s === 'rollback_paused' || s === undefined) return;
      await delay(this.pollMs);
    }
  }

  /** The deploy's error: the reason, the failing task's state and the app's last lines (never env). */
  private async failure(
    app: string,
    reason: string,
    since: number,
    code: 'DF_ERR_HEALTHCHECK_FAILED' | 'DF_ERR_RELEASE_FAILED' = 'DF_ERR_HEALTHCHECK_FAILED',
  ): Promise<DeployFlowError> {
    const tasks = await listTasks(this.docker, app, 'any').catch(() => []);
    const task = lastTaskFailure(tasks, since);
    const logs = await tailServiceLogs(this.docker, app, 30).catch(() => []);
    const full = task && !reason.includes(task) ? `${reason} (${task})` : reason;
    const what = code === 'DF_ERR_HEALTHCHECK_FAILED' ? 'did not become healthy on Swarm' : 'could not be released on Swarm';
    return new DeployFlowError(code, `The new version of ${app} ${what}: ${full}`, { reason: full, logs });
  }
}
