// Desired state (store) against Docker (labels), at control start and periodically: missing
// replicas of the running deployment come back (health-gated), orphans go, and the route table
// is republished from the healthy containers — only where something differs, so a restart of
// control over healthy apps replaces nothing and bumps no route version. Never stops an app
// merely because control stops.
import type { RouteInput } from '../../common/routes/index.js';
import { isStopped } from '../operations/stopped.js';
import { restoreSleepRoute } from '../edge/publish.js';
import { isSleeping } from '../edge/state.js';
import { opsLog, type OpsDeps } from '../operations/deps.js';
import { runningDeployment } from '../operations/state.js';
import type { ConvergeResult } from './converge.js';
import { LABEL_INSTANCE } from './instance.js';
import { orphanApps } from './plan.js';

export interface ReconcileReport {
  changed: Record<string, Omit<ConvergeResult, 'upstreams'>>;
  orphansRemoved: string[];
  errors: Record<string, string>;
}

/** The platform's own routes (control's apex), or how to get them as they should be now. */
export type PlatformRoutes = Array<{ host: string; route: RouteInput }> | (() => Promise<Array<{ host: string; route: RouteInput }>>);

export interface ReconcilerOptions {
  /** 0: only the pass at start. */
  intervalMs: number;
  /** How long a running replica may take to answer before it is left out of the route. */
  healthWaitMs?: number;
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private readonly startedAt = Date.now();
  private first = true;
  private platformRoutes: PlatformRoutes = [];

  constructor(
    private readonly ops: OpsDeps,
    private readonly opts: ReconcilerOptions,
  ) {}

  /** `platformRoutes` (control's own apex) are republished on every pass too: a Redis flush loses them. */
  start(platformRoutes: PlatformRoutes = []): void {
    this.platformRoutes = platformRoutes;
    void this.run();
    if (this.opts.intervalMs > 0) {
      this.timer = setInterval(() => {
        if (!this.running) void this.run();
      }, this.opts.intervalMs);
      this.timer.unref();
    }
  }

  /** Stops the timer and waits for a pass in progress; containers are left exactly as they are. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.chain.catch(() => undefined);
  }

  /** One full pass, after any pass already running. */
  run(): Promise<ReconcileReport> {
    const next = this.chain.catch(() => undefined).then(() => this.pass());
    this.chain = next;
    return next;
  }

  private async pass(): Promise<ReconcileReport> {
    this.running = true;
    const report: ReconcileReport = { changed: {}, orphansRemoved: [], errors: {} };
    try {
      const apps = await this.ops.store.apps.list();
      for (const app of apps) {
        try {
          const result = await this.ops.deploy.runExclusive(app.name, () => this.reconcileApp(app.name));
          if (result) report.changed[app.name] = result;
        } catch (err) {
          report.errors[app.name] = err instanceof Error ? err.message : String(err);
          this.ops.log.warn({ err, app: app.name }, 'reconciler: could not converge the app');
        }
      }
      report.orphansRemoved = await this.removeOrphans(new Set(apps.map((a) => a.name)));
      // Unchanged routes cost nothing: the publisher bumps no version for an identical body.
      const platform = typeof this.platformRoutes === 'function' ? await this.platformRoutes() : this.platformRoutes;
      for (const p of platform) await this.ops.routes?.setRoute(p.host, p.route);
      this.first = false;
    } catch (err) {
      this.ops.log.warn({ err }, 'reconciler pass failed (Docker or the store unavailable?)');
      report.errors['*'] = err instanceof Error ? err.message : String(err);
    } finally {
      this.running = false;
    }
    return report;
  }

  private async reconcileApp(name: string): Promise<Omit<ConvergeResult, 'upstreams'> | null> {
    const app = await this.ops.store.apps.get(name);
    if (!app) return null;
    const history = await this.ops.store.deployments.listByApp(name, 50);
    // Deploys a previous control was running when it stopped will never finish: say so.
    // With shared turns (Redis), a deploy in progress anywhere holds a live ticket: one without
    // (older than the moment between its record and its ticket) lost its instance, at any pass.
    const live = await this.ops.deploy.inProgressElsewhere(name);
    const interrupted = (d: { createdAt: number }): boolean =>
      (this.first && d.createdAt < this.startedAt) || (live !== null && d.createdAt < Date.now() - 30_000);
    if (this.first || live) {
      for (const d of history) {
        if (['queued', 'building', 'deploying'].includes(d.status) && interrupted(d) && !live?.has(d.id)) {
          await this.ops.store.deployments.update(d.id, {
            status: 'failed',
            finishedAt: Date.now(),
            error: 'Interrupted: control stopped during the deploy',
            // Control itself was gone, not a fault of the app or its build.
            errorCode: 'DF_ERR_UNAVAILABLE',
          });
        }
      }
    }
    const running = runningDeployment(history);
    const write = opsLog(this.ops, name);
    // A sleeping app is kept like a stopped one (containers stopped), but its route must keep
    // sleeping, not be republished as an ordinary empty one: converge does not publish it.
    const sleeping = await isSleeping(this.ops.store, name);
    const result = await this.ops.deploy.runtime.converge(
      sleeping ? { ...this.ops, routes: null } : this.ops,
      app,
      {
        deploymentId: running?.id ?? null,
        image: running?.image ?? null,
        replicas: app.replicas,
        stopped: sleeping || (await isStopped(this.ops.store, name)),
      },
      { healthWaitMs: this.opts.healthWaitMs ?? 2000, write },
    );
    const { upstreams: _upstreams, ...changes } = result;
    if (sleeping && running) changes.published = await restoreSleepRoute(this.ops, app);
    const changed = changes.published || Object.values(changes).some((v) => Array.isArray(v) && v.length > 0);
    if (changed) this.ops.log.info({ app: name, ...changes }, 'reconciler converged the app');
    return changed ? changes : null;
  }

  /** Replicas of this instance labelled for apps that no longer exist, and their routes. */
  private async removeOrphans(known: Set<string>): Promise<string[]> {
    const instance = this.ops.deploy.labels[LABEL_INSTANCE];
    if (!instance) return [];
    const runtime = this.ops.deploy.runtime;
    const removed: string[] = [];
    for (const app of orphanApps(known, await runtime.instanceApps(instance))) {
      await this.ops.deploy.runExclusive(app, async () => {
        if (await this.ops.store.apps.get(app)) return; // created meanwhile
        removed.push(...(await runtime.removeInstanceApp(instance, app)));
        await this.ops.routes?.removeApp(app).catch(() => undefined);
      });
    }
    if (removed.length) this.ops.log.info({ removed }, 'reconciler removed orphan containers');
    return removed;
  }
}
