// What the Docker stats sampler and the gateway request poller share: a timer whose ticks never
// overlap, and per-app history in bounded rings that the metrics API reads and `publish` streams.
import type { ControlEventBus } from '../server/events.js';
import { SampleRing } from './stats.js';

export interface HistoryOptions {
  events: ControlEventBus;
  /** 0: never run on a timer (tick() still works). */
  intervalMs: number;
  capacity?: number;
  maxAgeMs?: number;
}

export abstract class PeriodicHistory<T extends { at: number }> {
  private readonly rings = new Map<string, SampleRing<T>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;

  protected constructor(
    private readonly history: HistoryOptions,
    /** Sends every new sample out as the subclass's event (`app.metrics`, `app.requests`). */
    private readonly publish: (app: string, sample: T) => void,
    private readonly defaultCapacity: number,
  ) {}

  /** One round: read the source and `record` what it says. */
  protected abstract collect(): Promise<void>;

  start(): void {
    if (this.history.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.ticking) void this.tick();
    }, this.history.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  tick(): Promise<void> {
    this.ticking ??= this.collect().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  samples(app: string, since = 0): T[] {
    return this.rings.get(app)?.since(since) ?? [];
  }

  forget(app: string): void {
    this.rings.delete(app);
  }

  protected record(app: string, sample: T): void {
    let ring = this.rings.get(app);
    if (!ring) this.rings.set(app, (ring = new SampleRing(this.history.capacity ?? this.defaultCapacity, this.history.maxAgeMs)));
    ring.push(sample);
    this.publish(app, sample);
  }
}
