// The autoscaler's loop: every few seconds, for each app with `autoscale` set, read the gateways'
// recent figures (the request poller's history), decide (decide.ts) and apply the decision through
// the same health-gated path as POST /apps/:name/scale, within the owner's quota. Each app is
// decided on its own: one app's slow scale-up (a health check) never delays another app's.
// Sleeping is not its business: at no load it stops at one replica, and an app with scale to zero
// set is put to sleep by the idle detector, which the autoscaler then leaves alone until it wakes.
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import type { RequestSample } from '../runtime/requests.js';
import { opsLog, type OpsDeps } from '../operations/deps.js';
import { scaleApp } from '../operations/lifecycle.js';
import { footprint, sumFootprints } from '../operations/quota.js';
import { runningDeployment } from '../operations/state.js';
import { isStopped } from '../operations/stopped.js';
import { isSleeping } from '../edge/state.js';
import { writePlatformLine } from '../runtime/platform-log.js';
import type { App } from '../store/types.js';
import type { ControlEventBus } from '../server/events.js';
import { decide, fitQuota, type AutoscaleTimings, type Decision, type LoadSample } from './decide.js';
import { readRecord, writeRecord, type AutoscaleEvent, type AutoscaleRecord } from './history.js';

export interface AutoscalerDeps extends OpsDeps {
  events: ControlEventBus;
  clock: () => number;
  /** The gateways' per-app figures (null without Redis: then nothing is decided). */
  requests: { samples(app: string, since: number): RequestSample[] } | null;
}

export interface AutoscalerOptions {
  /** 0: never on a timer (tick() still works). */
  intervalMs: number;
  timings: AutoscaleTimings;
}

/** What the status API shows of the autoscaler's latest look at an app. */
export interface LatestDecision extends Decision {
  at: number;
  current: number;
}

/** A standing refusal is said again (log, notification) at most this often. */
const REPEAT_REFUSAL_MS = 10 * 60_000;

export class Autoscaler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  /** Apps whose decision (and scale) is in progress. */
  private readonly busy = new Map<string, Promise<void>>();
  private readonly latest = new Map<string, LatestDecision>();

  constructor(
    private readonly deps: AutoscalerDeps,
    private readonly opts: AutoscalerOptions,
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0 || this.timer || !this.deps.requests) return;
    this.timer = setInterval(() => {
      if (!this.ticking) void this.tick();
    }, this.opts.intervalMs);
    this.timer.unref();
    // A new figure from the gateways is looked at at once, not at the next tick: up to an
    // interval less between a burst and the replica it needs.
    this.deps.events.on('app.requests', this.onSample);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.deps.events.off('app.requests', this.onSample);
    await this.ticking;
    await Promise.allSettled([...this.busy.values()]);
  }

  private readonly onSample = (e: { app: string }): void => {
    if (this.busy.has(e.app)) return;
    const run = this.deps.store.apps
      .get(e.app)
      .then((app) => (app?.autoscale ? this.evaluate(app) : undefined))
      .catch((err: unknown) => this.deps.log.warn({ err, app: e.app }, 'autoscaler: deciding failed'))
      .finally(() => this.busy.delete(e.app));
    this.busy.set(e.app, run);
  };

  /** The latest decision about `app` (null before the first look, or when autoscale is off). */
  latestFor(app: string): LatestDecision | null {
    return this.latest.get(app) ?? null;
  }

  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async round(): Promise<void> {
    let apps: App[];
    try {
      apps = await this.deps.store.apps.list();
    } catch (err) {
      this.deps.log.warn({ err }, 'autoscaler: listing apps failed');
      return;
    }
    const sleeping = await this.sleepingApps();
    for (const app of apps) {
      if (!app.autoscale) {
        this.latest.delete(app.name);
        continue;
      }
      if (this.busy.has(app.name) || sleeping.has(app.name)) continue;
      const run = this.evaluate(app)
        .catch((err: unknown) => this.deps.log.warn({ err, app: app.name }, 'autoscaler: deciding failed'))
        .finally(() => this.busy.delete(app.name));
      this.busy.set(app.name, run);
    }
  }

  /** Apps the route table marks sleeping (scaled to zero): waking them is the gateway's and the idle detector's part. */
  private async sleepingApps(): Promise<Set<string>> {
    const out = new Set<string>();
    const table = await this.deps.routes?.readRouteTable().catch(() => null);
    for (const route of Object.values(table?.routes ?? {})) if (route.sleeping && route.app) out.add(route.app);
    return out;
  }

  private async evaluate(app: App): Promise<void> {
    const settings = app.autoscale;
    if (!settings || !this.deps.requests) return;
    // A deploy or operation in progress releases app.replicas itself; decide on what it leaves.
    if (this.deps.deploy.busy(app.name) || (await isStopped(this.deps.store, app.name)) || (await isSleeping(this.deps.store, app.name)))
      return;
    if (!runningDeployment(await this.deps.store.deployments.listByApp(app.name, 20))) return;
    const now = this.deps.clock();
    const { timings } = this.opts;
    const samples: LoadSample[] = this.deps.requests
      .samples(app.name, now - timings.windowMs)
      .filter((s) => s.gateways > 0)
      .map((s) => ({ at: s.at, rps: s.ratePerSecond, inflight: s.inflight }));
    const record = await readRecord(this.deps.store, app.name);
    const decision = decide({ settings, current: app.replicas, samples, now, lastChangeAt: record.lastChangeAt, timings });
    this.latest.set(app.name, { ...decision, at: now, current: app.replicas });
    if (decision.direction === 'hold') {
      if (record.refusal && decision.desired <= app.replicas && !decision.reason.startsWith('no recent')) {
        await writeRecord(this.deps.store, app.name, { ...record, refusal: null });
      }
      return;
    }

    // A scale that failed (an image that crashes) is not tried again before the cool-down.
    const lastFailed = record.events[0]?.kind === 'failed' ? record.events[0].at : null;
    if (lastFailed !== null && now - lastFailed < timings.cooldownMs) return;
    let to = decision.desired;
    let refusal: string | null = null;
    if (decision.direction === 'up') ({ replicas: to, refusal } = await this.fitOwnerQuota(app, decision.desired));
    if (refusal) await this.refuse(app, record, decision, to, refusal);
    if (to === app.replicas) return;
    await this.apply(app, decision, to);
  }

  private async fitOwnerQuota(app: App, desired: number): Promise<{ replicas: number; refusal: string | null }> {
    const owner = await this.deps.store.users.get(app.ownerId);
    if (owner?.role === 'admin') return { replicas: desired, refusal: null };
    const others = (await this.deps.store.apps.listForUser(app.ownerId)).filter((a) => a.ownerId === app.ownerId && a.name !== app.name);
    return fitQuota(desired, app.replicas, app.limits.memoryMb, sumFootprints(others.map(footprint)), {
      replicas: this.deps.config.replicaQuota,
      memoryMb: this.deps.config.memoryQuotaMb,
    });
  }

  /**
   * A refusal is visible: control's log, the app's runtime log (GET /apps/:name/logs, beside a
   * failed wake), its people's notifications, the decisions and its status. Said once per distinct
   * refusal — what the app could reach and which quota stopped it — and again only after
   * REPEAT_REFUSAL_MS, not every decision: load that wobbles changes the wanted count, not the refusal.
   */
  private async refuse(app: App, record: AutoscaleRecord, decision: Decision, to: number, refusal: string): Promise<void> {
    const now = this.deps.clock();
    const message = `could not scale ${app.name} ${app.replicas} → ${decision.desired}${to > app.replicas ? ` (only to ${to})` : ''}: ${refusal}`;
    const key = `${to} ${refusal.split(':')[0]}`;
    const said = record.said ?? null;
    if (said?.key === key && now - said.at < REPEAT_REFUSAL_MS) {
      // Said already; still standing in the status even if a calm moment cleared it.
      if (!record.refusal) await writeRecord(this.deps.store, app.name, { ...record, refusal: { at: now, message } });
      return;
    }
    const line = `${message} (wanted for ${decision.reason})`;
    opsLog(this.deps, app.name)(`autoscale: ${line}`);
    await writePlatformLine(this.deps, app.name, `Autoscaling ${line}`, now).catch((err: unknown) =>
      this.deps.log.warn({ err, app: app.name }, 'writing the autoscale refusal to the app log failed'),
    );
    const event: AutoscaleEvent = { at: now, kind: 'refused', from: app.replicas, to: decision.desired, message: line };
    await writeRecord(this.deps.store, app.name, {
      ...record,
      events: [event, ...record.events],
      refusal: { at: now, message },
      said: { at: now, key },
    });
    this.deps.events.emit('app.notice', { app: app.name, kind: 'autoscale.refused', message: `Autoscaling ${message}` });
  }

  private async apply(app: App, decision: Decision, to: number): Promise<void> {
    const from = app.replicas;
    const log = opsLog(this.deps, app.name);
    let event: AutoscaleEvent;
    try {
      await scaleApp(this.deps, app.name, to);
      event = {
        at: this.deps.clock(),
        kind: to > from ? 'up' : 'down',
        from,
        to,
        message: `scaled ${app.name} ${from} → ${to}: ${decision.reason}`,
      };
      log(`autoscale: ${event.message}`);
    } catch (err) {
      const reason = isDeployFlowError(err) ? err.message : 'internal error';
      event = { at: this.deps.clock(), kind: 'failed', from, to, message: `scaling ${app.name} ${from} → ${to} failed: ${reason}` };
      this.deps.log.warn({ err, app: app.name }, `autoscale: ${event.message}`);
    }
    // Read again: a refusal may have been written meanwhile by this same decision.
    const record = await readRecord(this.deps.store, app.name);
    await writeRecord(this.deps.store, app.name, {
      ...record,
      events: [event, ...record.events],
      // A failed scale also waits the cool-down, so a crashing image is not started in a loop.
      lastChangeAt: event.at,
      refusal: event.kind === 'failed' ? record.refusal : to >= decision.desired ? null : record.refusal,
    });
  }
}
