// The deploy pipeline: a Deployment record is created `queued`, is built at once (unless it is a
// ready image) — beside any other deploy of the app, the builder's semaphore keeps the host sane —
// then released behind health checks and published to the route table in the app's turn. Turns
// go in the order deploys were asked for (the push order): a later deploy never goes live before
// an earlier one, and one that would switch the route back to an older version is superseded.
// The old containers drain in the background, so the next deploy's switch never waits for them.
// Each step logs one `-----> step` line; the record's status follows.
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import type { Config } from '../../common/config/config.js';
import { appUrl } from '../apps/urls.js';
import { DeployFlowError, isDeployFlowError, type ErrorCode } from '../../common/errors/catalogue.js';
import type { Logger } from '../../common/log/logger.js';
import type { RoutePublisher } from '../../common/routes/index.js';
import type { Builder, LiveRelease, ReleaseDeps, SourceSpec, Upstream } from '../../builder/index.js';
import type { AppRuntime } from '../app-runtime/runtime.js';
import type { EnvCipher } from '../env/cipher.js';
import type { App, Deployment, DeploymentStatus, Store } from '../store/types.js';
import type { ControlEventBus } from '../server/events.js';
import { appHosts } from './hosts.js';
import { appRouteOptions } from '../edge/route-options.js';
import { DeploymentLog } from './log.js';
import { AppExclusive } from './exclusive.js';
import type { DrainRegistry } from './shared-drains.js';
import { ReleaseTurns, type DeployTurns, type Turn } from './turns.js';

export interface DeployDeps {
  config: Config;
  store: Store;
  docker: Docker;
  builder: Builder;
  routes: RoutePublisher | null;
  envCipher: EnvCipher;
  events: ControlEventBus;
  log: Logger;
  clock: () => number;
  /** Release timings; tests shorten them. */
  healthTimeoutMs?: number;
  drainMs?: number;
  /** Refuses a deploy over the owner's quota before anything is recorded (DF_ERR_QUOTA_EXCEEDED). */
  checkQuota?: (app: string, createdBy: string | null) => Promise<void>;
  /**
   * Asked when a deploy's turn to go live comes: why the account that started it may no longer
   * release it (disabled, deleted, lost its rights on the app meanwhile), or null to go on.
   */
  releaseRefusal?: (app: string, createdBy: string | null) => Promise<string | null>;
  /** Labels every container of this platform instance carries, so its reconciler knows its own orphans. */
  labels?: Record<string, string>;
  /** Where apps run (control/app-runtime/select.ts picks it: one engine's containers, or a Swarm). */
  runtime: AppRuntime;
  /**
   * Per-app exclusion and push order: in this process only by default; with Redis, across every
   * instance (exclusive.ts, shared-turns.ts). The route publisher must use `exclusive.fenceFor`.
   */
  exclusive?: AppExclusive;
  /** Containers draining on any instance (shared-drains.ts); this process's own only by default. */
  drains?: DrainRegistry;
  turns?: DeployTurns & { inProgress?(app: string): Promise<string[]> };
}

/** A source that needs work before it can be built (a webhook's clone); `cleanup` runs after the build. */
export interface PreparedSource {
  spec: SourceSpec;
  commit?: string;
  cleanup(): Promise<void>;
}

export type DeploySource =
  | { kind: 'build'; spec: SourceSpec }
  | { kind: 'image'; image: string }
  | { kind: 'prepare'; prepare: (log: (line: string) => void) => Promise<PreparedSource> };

export interface DeployRequest {
  app: string;
  source: DeploySource;
  origin: Deployment['source'];
  commit?: string | null;
  ref?: string | null;
  createdBy: string | null;
  /** Extra sink for live output (the git push that started it). */
  out?: (line: string) => void;
  /**
   * Runs in the deploy's turn the moment it went live, before the next deploy of the app may
   * switch: a git push moves its branch here, so branches move in the order versions go live.
   * A failure is reported in the log; the deploy stands.
   */
  onLive?: () => Promise<void>;
}

export class DeployEngine {
  private readonly queue: AppExclusive;
  private readonly turns: DeployTurns & { inProgress?(app: string): Promise<string[]> };
  /** Containers draining in the background, per app: no later release or convergence counts them as its own. */
  private readonly draining = new Map<string, Set<string>>();

  /** Where every release, operation and convergence of this engine runs its apps. */
  readonly runtime: AppRuntime;

  constructor(private readonly deps: DeployDeps) {
    this.runtime = deps.runtime;
    this.queue = deps.exclusive ?? new AppExclusive(null);
    this.turns = deps.turns ?? new ReleaseTurns();
  }

  /**
   * Records the deployment and starts it in the background. `live` settles as soon as the new
   * version serves (or with the failed record); `done` once the old containers are gone too.
   */
  async enqueue(req: DeployRequest): Promise<{ deployment: Deployment; done: Promise<Deployment>; live: Promise<Deployment> }> {
    await this.deps.checkQuota?.(req.app, req.createdBy);
    const deployment = await this.deps.store.deployments.create({
      id: randomUUID(),
      app: req.app,
      status: 'queued',
      commit: req.commit ?? null,
      ref: req.ref ?? null,
      image: req.source.kind === 'image' ? req.source.image : null,
      source: req.origin,
      createdBy: req.createdBy,
      createdAt: this.deps.clock(),
      finishedAt: null,
      error: null,
      errorCode: null,
    });
    const log = new DeploymentLog(this.deps.store, this.deps.events, deployment.id, req.app, this.deps.clock);
    const write = req.out
      ? (line: string): void => {
          log.write(line);
          req.out!(line);
        }
      : log.write;
    let turn: Turn;
    try {
      turn = await this.turns.take(req.app, deployment.id);
    } catch (err) {
      // No turn (Redis away): the deploy cannot be ordered, so it does not start.
      this.deps.log.warn({ err, deployment: deployment.id }, 'taking the deploy turn failed');
      const refused = isDeployFlowError(err)
        ? err
        : new DeployFlowError('DF_ERR_UNAVAILABLE', 'Deploys are ordered through Redis, which did not answer');
      await this.setStatus(deployment.id, 'failed', {
        finishedAt: this.deps.clock(),
        error: 'Deploy order unavailable (Redis)',
        errorCode: refused.code,
      });
      throw refused;
    }
    if (turn.after > 0) {
      write(
        `-----> Building now; ${turn.after} earlier deploy${turn.after === 1 ? '' : 's'} of ${req.app} go${turn.after === 1 ? 'es' : ''} live first (routes switch in push order)`,
      );
    }
    let markLive: (d: Deployment) => void = () => undefined;
    const liveSignal = new Promise<Deployment>((resolve) => {
      markLive = resolve;
    });
    const done = this.run(deployment, req, write, markLive, turn).finally(() => log.flush());
    return { deployment, done, live: Promise.race([liveSignal, done]) };
  }

  private async setStatus(id: string, status: DeploymentStatus, extra: Partial<Deployment> = {}): Promise<Deployment> {
    const updated = await this.deps.store.deployments.update(id, { status, ...extra });
    if (!updated) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'deployment vanished');
    this.deps.events.emit('deployment.status', updated);
    return updated;
  }

  private async run(
    deployment: Deployment,
    req: DeployRequest,
    write: (line: string) => void,
    markLive: (d: Deployment) => void,
    turn: Turn,
  ): Promise<Deployment> {
    let live: Deployment | null = null;
    let released: LiveRelease | null = null;
    let app: App | null = null;
    try {
      try {
        app = await this.deps.store.apps.get(req.app);
        if (!app) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
        let image: string;
        if (req.source.kind === 'image') {
          image = req.source.image;
        } else {
          await this.setStatus(deployment.id, 'building');
          image = await this.build(app, deployment.id, req.source, write);
        }
        await turn.ready;
        if (await this.turns.superseded(req.app, turn)) {
          write(`-----> Superseded: a later deploy of ${req.app} is already live, so this one is not released`);
          return await this.setStatus(deployment.id, 'superseded', { finishedAt: this.deps.clock() });
        }
        // A build takes a while, and waiting for the turn longer: whoever started it is asked again now.
        const refusal = await this.deps.releaseRefusal?.(req.app, req.createdBy);
        if (refusal) throw new DeployFlowError('DF_ERR_FORBIDDEN', `Not released: ${refusal}`);
        await this.setStatus(deployment.id, 'deploying');
        // The app as it is now: settings (replicas, limits) may have changed during the build.
        const current: App = (await this.deps.store.apps.get(req.app)) ?? app;
        released = await this.queue.run(req.app, () =>
          this.goLive(current, deployment.id, image, write, async () => {
            await this.turns.wentLive(req.app, turn);
            const previous = (await this.deps.store.deployments.listByApp(current.name, 50)).filter(
              (p) => p.status === 'running' && p.id !== deployment.id,
            );
            for (const p of previous) await this.setStatus(p.id, 'superseded');
            write(`-----> ${current.name} is live at ${appUrl(this.deps.config, current.name)}`);
            live = await this.setStatus(deployment.id, 'running', { finishedAt: this.deps.clock() });
            await req.onLive?.().catch((err: unknown) => {
              this.deps.log.warn({ err, deployment: deployment.id }, 'the after-live step failed');
              write(`       Live, but ${isDeployFlowError(err) ? err.message : 'the after-live step failed'}`);
            });
            markLive(live);
          }),
        );
      } finally {
        // The next deploy's switch may go now: this one is live, failed or superseded.
        await turn.end();
      }
      await this.retireInBackground(app, released.old, write);
      return live ?? (await this.deps.store.deployments.get(deployment.id)) ?? deployment;
    } catch (err) {
      const message = isDeployFlowError(err) ? err.message : 'Internal error during deploy';
      // The code lets a reader tell failures apart without parsing the message.
      const errorCode: ErrorCode = isDeployFlowError(err) ? err.code : 'DF_ERR_INTERNAL';
      // Once live, the deploy stands: a failure while retiring the old containers is reported
      // (the reconciler removes what is left), not turned into a failed deployment.
      if (live) {
        this.deps.log.warn({ err, deployment: deployment.id }, 'retiring the old containers failed');
        write(`       Retiring the old containers failed: ${message}`);
        return live;
      }
      if (!isDeployFlowError(err)) this.deps.log.error({ err, deployment: deployment.id }, 'deploy failed');
      write(`-----> Deploy failed: ${message}`);
      return this.setStatus(deployment.id, 'failed', { finishedAt: this.deps.clock(), error: message, errorCode });
    }
  }

  /** Drains and removes `old` outside the app's turn; the containers are marked draining meanwhile. */
  private async retireInBackground(app: App | null, old: LiveRelease['old'], write: (line: string) => void): Promise<void> {
    if (!app || old.length === 0) return;
    let set = this.draining.get(app.name);
    if (!set) this.draining.set(app.name, (set = new Set()));
    for (const o of old) set.add(o.id);
    const ids = old.map((o) => o.id);
    const warn = (err: unknown): void => this.deps.log.warn({ err, app: app.name }, 'sharing the draining containers failed');
    await this.deps.drains?.mark(app.name, ids).catch(warn);
    try {
      await this.runtime.retire(this.releaseDeps(app, write), old);
      write(`-----> Retired ${old.map((o) => o.name).join(', ')}`);
    } finally {
      for (const o of old) set.delete(o.id);
      if (set.size === 0 && this.draining.get(app.name) === set) this.draining.delete(app.name);
      await this.deps.drains?.unmark(app.name, ids).catch(warn);
    }
  }

  /** Containers of `app` draining after a release, here or on another instance (convergence must leave them be). */
  async drainingIds(app: string): Promise<Set<string>> {
    const local = this.draining.get(app) ?? new Set<string>();
    const shared = (await this.deps.drains?.list(app).catch(() => [])) ?? [];
    return new Set([...local, ...shared]);
  }

  private async build(
    app: App,
    deploymentId: string,
    source: Exclude<DeploySource, { kind: 'image' }>,
    write: (line: string) => void,
  ): Promise<string> {
    const prepared = source.kind === 'prepare' ? await source.prepare(write) : null;
    try {
      if (prepared?.commit) await this.deps.store.deployments.update(deploymentId, { commit: prepared.commit });
      const spec = prepared ? prepared.spec : (source as { spec: SourceSpec }).spec;
      const built = await this.deps.builder.build({ app: app.name, deploymentId, source: spec, port: app.port, log: write });
      await this.deps.store.deployments.update(deploymentId, { image: built.image });
      return built.image;
    } finally {
      await prepared?.cleanup().catch((err: unknown) => this.deps.log.warn({ err, deploymentId }, 'source cleanup failed'));
    }
  }

  private releaseDeps(app: App, write: (line: string) => void, onLive?: () => Promise<void>, retiring?: ReadonlySet<string>): ReleaseDeps {
    return {
      docker: this.deps.docker,
      log: write,
      publish: (upstreams) => this.publish(app, upstreams, write),
      retiring: retiring ?? this.draining.get(app.name) ?? new Set(),
      ...(onLive ? { onLive } : {}),
      ...(this.deps.healthTimeoutMs !== undefined ? { healthTimeoutMs: this.deps.healthTimeoutMs } : {}),
      ...(this.deps.drainMs !== undefined ? { drainMs: this.deps.drainMs } : {}),
    };
  }

  /** Health-gated release of `image` up to the switch; the route table switches only when every replica is healthy. */
  private async goLive(
    app: App,
    deploymentId: string,
    image: string,
    write: (line: string) => void,
    onLive: () => Promise<void>,
  ): Promise<LiveRelease> {
    const env = this.deps.envCipher.decryptAll(app.name, await this.deps.store.env.get(app.name));
    return this.runtime.goLive(this.releaseDeps(app, write, onLive, await this.drainingIds(app.name)), {
      app: app.name,
      deploymentId,
      image,
      replicas: app.replicas,
      env,
      limits: app.limits,
      healthcheck: { path: app.healthcheck.path },
      port: app.port,
      volumes: app.volumes,
      labels: this.labels,
    });
  }

  get labels(): Record<string, string> {
    return this.deps.labels ?? {};
  }

  /** Runs `fn` in the app's queue, so day-two operations never race a deploy or each other. */
  runExclusive<T>(app: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(app, fn);
  }

  /**
   * True while a deploy of `app` is built or released, or an operation runs or waits, in this
   * process (a drain does not count). Other instances' deploys show in the deployment records.
   */
  busy(app: string): boolean {
    return this.queue.busy(app) || this.turns.pending(app) > 0;
  }

  /** Deployment ids of `app` some instance is deploying right now; null without shared turns (one process). */
  async inProgressElsewhere(app: string): Promise<Set<string> | null> {
    return this.turns.inProgress ? new Set(await this.turns.inProgress(app)) : null;
  }

  /**
   * After an app is deleted: its routes go first (no request reaches a dying container), then
   * containers, images and volumes — a volume left behind would be mounted by the next app
   * given the same name, whoever owns it.
   */
  async removeApp(app: string): Promise<void> {
    await this.queue.run(app, async () => {
      await this.deps.routes?.removeApp(app);
      await this.runtime.remove(app, { removeVolumes: true });
    });
  }

  async publish(app: App, upstreams: Upstream[], write: (line: string) => void): Promise<void> {
    if (!this.deps.routes) {
      write('       (no route table: REDIS_URL is not set, so the gateway is not told)');
      return;
    }
    await this.deps.routes.setAppRoutes(app.name, appHosts(this.deps.config, app), upstreams, appRouteOptions(app));
  }
}
