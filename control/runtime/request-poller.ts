// Reads the gateways' reports from Redis on a timer, keeps each app's recent request samples in a
// bounded ring (like the Docker sampler) and emits `app.requests` {app, sample} for live
// dashboards. Every control instance reads the same reports, so each one serves its own
// clients (the bridge emits these locally) and none depends on another to be up.
import type { EventEmitter } from 'node:events';
import type { Logger } from '../../common/log/logger.js';
import type { GatewayMetricsReport } from '../../gateway/index.js';
import { RequestAggregator, type RequestSample } from './requests.js';
import { SampleRing } from './stats.js';

export interface RequestPollerOptions {
  read: () => Promise<GatewayMetricsReport[]>;
  events: EventEmitter;
  log: Logger;
  clock: () => number;
  /** 0: never poll on a timer (tick() still works). */
  intervalMs: number;
  /** A gateway publishes every 2 s, so an hour is 1800 windows. */
  capacity?: number;
  maxAgeMs?: number;
}

export class GatewayRequestPoller {
  private readonly rings = new Map<string, SampleRing<RequestSample>>();
  private readonly aggregator = new RequestAggregator();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private failing = false;

  constructor(private readonly o: RequestPollerOptions) {}

  start(): void {
    if (this.o.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => { if (!this.ticking) void this.tick(); }, this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  samples(app: string, since = 0): RequestSample[] {
    return this.rings.get(app)?.since(since) ?? [];
  }

  /** How many gateway processes currently report (0: the dashboard says the gateway is silent). */
  get gateways(): number {
    return this.aggregator.reporting;
  }

  tick(): Promise<void> {
    this.ticking ??= this.poll().finally(() => { this.ticking = null; });
    return this.ticking;
  }

  private async poll(): Promise<void> {
    let reports: GatewayMetricsReport[];
    try {
      reports = await this.o.read();
    } catch (err) {
      // Once per outage: Redis being away is already logged by its client.
      if (!this.failing) this.o.log.warn({ err }, 'reading gateway metrics failed');
      this.failing = true;
      return;
    }
    this.failing = false;
    for (const [app, sample] of this.aggregator.ingest(reports, this.o.clock())) {
      let ring = this.rings.get(app);
      if (!ring) this.rings.set(app, ring = new SampleRing(this.o.capacity ?? 1800, this.o.maxAgeMs));
      ring.push(sample);
      this.o.events.emit('app.requests', { app, sample });
    }
  }
}
