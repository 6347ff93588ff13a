// Samples Docker stats of every running app container of this platform instance on a timer,
// keeps each app's recent history in a bounded ring, and emits `app.metrics` {app, sample} for
// live dashboards. Ticks never overlap; a container that vanishes mid-tick is skipped.
import type { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import type { Logger } from '../../common/log/logger.js';
import { LABEL_APP } from '../../builder/index.js';
import { appSample, replicaSample, SampleRing, type DockerStats, type MetricsSample, type ReplicaSample } from './stats.js';

export interface SamplerOptions {
  docker: Docker;
  events: EventEmitter;
  log: Logger;
  clock: () => number;
  /** 0: never sample on a timer (tick() still works). */
  intervalMs: number;
  /** Labels this instance's containers carry (the sampler looks at no one else's). */
  labels: Record<string, string>;
  capacity?: number;
  maxAgeMs?: number;
}

export class MetricsSampler {
  private readonly rings = new Map<string, SampleRing<MetricsSample>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;

  constructor(private readonly o: SamplerOptions) {}

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

  samples(app: string, since = 0): MetricsSample[] {
    return this.rings.get(app)?.since(since) ?? [];
  }

  forget(app: string): void {
    this.rings.delete(app);
  }

  /** One sampling round over every running app container. */
  tick(): Promise<void> {
    this.ticking ??= this.sample().catch((err: unknown) => this.o.log.warn({ err }, 'metrics sampling failed')).finally(() => { this.ticking = null; });
    return this.ticking;
  }

  private async sample(): Promise<void> {
    const label = [LABEL_APP, ...Object.entries(this.o.labels).map(([k, v]) => `${k}=${v}`)];
    const containers = await this.o.docker.listContainers({ filters: { label, status: ['running'] } });
    const byApp = new Map<string, ReplicaSample[]>();
    await Promise.all(containers.map(async (c) => {
      const app = c.Labels[LABEL_APP];
      // stream:false waits for a second reading, so precpu_stats is filled in for the CPU delta.
      const stats = await this.o.docker.getContainer(c.Id).stats({ stream: false }).catch(() => null);
      if (!app || !stats) return;
      const list = byApp.get(app) ?? [];
      list.push(replicaSample((c.Names[0] ?? c.Id).replace(/^\//, ''), stats as unknown as DockerStats));
      byApp.set(app, list);
    }));
    const at = this.o.clock();
    for (const [app, replicas] of byApp) {
      const sample = appSample(at, replicas.sort((a, b) => a.replica.localeCompare(b.replica)));
      let ring = this.rings.get(app);
      if (!ring) this.rings.set(app, ring = new SampleRing(this.o.capacity, this.o.maxAgeMs));
      ring.push(sample);
      this.o.events.emit('app.metrics', { app, sample });
    }
  }
}
