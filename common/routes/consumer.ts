// Follows the route table: loads it whole at start, on every (re)connect and on any version gap,
// applies pub/sub messages in between, and keeps the last table while Redis is away. Emits one
// 'change' per host whose route changed, however the change arrived (message or reload diff).
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { readRouteTable, type RouteTableSnapshot } from './publisher.js';
import { CHANNEL, parseRouteValue, VERSION_KEY, type Route, type RouteChange } from './types.js';

export interface RouteConsumerOptions {
  redisUrl: string;
  log?: Logger;
  /** How often the version key is polled as a backstop for a lost message (ms). */
  pollMs?: number;
  /** How long start() waits for a first load before serving an empty table (ms). */
  startTimeoutMs?: number;
}

interface ConsumerEvents {
  change: [RouteChange];
  loaded: [number];
}

export class RouteTableConsumer extends EventEmitter<ConsumerEvents> {
  readonly routes = new Map<string, Route>();
  version = 0;
  /** True once a load has succeeded; false again while Redis is unreachable. */
  connected = false;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private loading: RouteChange[] | null = null;
  private reloadTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: Logger | undefined;

  constructor(private readonly options: RouteConsumerOptions) {
    super();
    this.log = options.log;
    // Reconnect fast after a Redis restart: the table is only as fresh as the last reconnect.
    const common = { lazyConnect: true, retryStrategy: (n: number) => Math.min(50 * n, 1000), maxRetriesPerRequest: 1 };
    this.cmd = new Redis(options.redisUrl, { ...common, enableOfflineQueue: false });
    this.sub = new Redis(options.redisUrl, common);
    for (const c of [this.cmd, this.sub]) c.on('error', (err: Error) => this.log?.debug({ err: err.message }, 'route table redis error'));
    this.sub.on('message', (_channel: string, raw: string) => this.onMessage(raw));
    this.sub.on('ready', () => this.resubscribeAndReload());
    this.sub.on('close', () => {
      this.connected = false;
    });
  }

  async start(): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.once('loaded', () => resolve()));
    await Promise.allSettled([this.cmd.connect(), this.sub.connect()]);
    const timeout = this.options.startTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeout);
    });
    await Promise.race([loaded, gaveUp]);
    clearTimeout(timer);
    if (!this.connected) this.log?.warn('route table: Redis unreachable, serving an empty table until it answers');
    this.pollTimer = setInterval(() => void this.poll(), this.options.pollMs ?? 2000);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reloadTimer);
    clearInterval(this.pollTimer);
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  snapshot(): RouteTableSnapshot {
    return { version: this.version, routes: Object.fromEntries(this.routes) };
  }

  private async resubscribeAndReload(): Promise<void> {
    try {
      // Subscribed before the snapshot is read, so no change can fall between the two.
      await this.sub.subscribe(CHANNEL);
    } catch {
      return; // the next 'ready' tries again
    }
    this.reload(0);
  }

  private reload(delayMs: number): void {
    if (this.stopped || this.reloadTimer) return;
    this.loading ??= [];
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      readRouteTable(this.cmd).then(
        (snap) => this.install(snap),
        () => this.reload(Math.min(Math.max(delayMs * 2, 50), 1000)),
      );
    }, delayMs);
  }

  private install(snap: RouteTableSnapshot): void {
    const next = new Map(Object.entries(snap.routes));
    if (snap.version < this.version) {
      // Redis lost its state (restarted without persistence): keep what we served, overlaid with
      // whatever was republished since, and follow Redis's counter from here.
      this.log?.warn({ ours: this.version, redis: snap.version }, 'route table version went backwards; keeping the last table');
      for (const [host, route] of this.routes) if (!next.has(host)) next.set(host, route);
    }
    const changed: RouteChange[] = [];
    for (const [host, route] of next) {
      if (JSON.stringify(this.routes.get(host)) !== JSON.stringify(route)) changed.push({ version: snap.version, host, route });
    }
    for (const host of this.routes.keys()) if (!next.has(host)) changed.push({ version: snap.version, host, route: null });
    this.routes.clear();
    for (const [host, route] of next) this.routes.set(host, route);
    this.version = snap.version;
    this.connected = true;
    for (const change of changed) this.emit('change', change);
    const buffered = this.loading ?? [];
    this.loading = null;
    this.emit('loaded', this.version);
    for (const msg of buffered) this.apply(msg);
  }

  private onMessage(raw: string): void {
    let msg: RouteChange;
    try {
      const parsed = JSON.parse(raw) as { version?: unknown; host?: unknown; route?: unknown };
      if (typeof parsed.version !== 'number' || typeof parsed.host !== 'string') throw new Error('bad message');
      const route = parsed.route === null ? null : parseRouteValue(parsed.route);
      if (parsed.route !== null && route === null) throw new Error('bad route');
      msg = { version: parsed.version, host: parsed.host, route };
    } catch {
      this.log?.warn('route table: unreadable change message; reloading');
      this.reload(0);
      return;
    }
    if (this.loading) this.loading.push(msg);
    else this.apply(msg, true);
  }

  private apply(msg: RouteChange, live = false): void {
    if (msg.version <= this.version) {
      // Already in the snapshot we hold — or, arriving live, a sign Redis restarted without its data.
      if (live) void this.poll();
      return;
    }
    if (msg.version !== this.version + 1) {
      this.reload(0);
      this.loading?.push(msg);
      return;
    }
    if (msg.route) this.routes.set(msg.host, msg.route);
    else this.routes.delete(msg.host);
    this.version = msg.version;
    this.emit('change', msg);
  }

  private async poll(): Promise<void> {
    if (this.loading || this.stopped) return;
    try {
      const v = Number((await this.cmd.get(VERSION_KEY)) ?? 0);
      if (v !== this.version && !this.loading) this.reload(0);
    } catch {
      // Redis away: keep serving; the reconnect reloads.
    }
  }
}
