// Samples the stats of every running app replica of this platform instance on a timer (through
// the app runtime: the engine's containers, or a Swarm's tasks on this node),
// keeps each app's recent history in a bounded ring, and emits `app.metrics` {app, sample} for
// live dashboards. Ticks never overlap; a container that vanishes mid-tick is skipped. An app
// asleep (scale to zero) has no container to measure: it gets a sample with no replicas and zero
// figures, so the replica count over time shows 0 for the sleep rather than a gap.
import type { Logger } from '../../common/log/logger.js';
import type { AppRuntime } from '../app-runtime/runtime.js';
import { PeriodicHistory, type HistoryOptions } from './periodic-history.js';
import { appSample, replicaSample, type MetricsSample, type ReplicaSample } from './stats.js';

export interface SamplerOptions extends HistoryOptions {
  runtime: Pick<AppRuntime, 'stats'>;
  log: Logger;
  clock: () => number;
  /** Labels this instance's containers carry (the sampler looks at no one else's). */
  labels: Record<string, string>;
  /** The apps asleep now (scale to zero); each one without a running replica this round is recorded with 0 replicas. */
  asleep?: () => Promise<string[]>;
}

export class MetricsSampler extends PeriodicHistory<MetricsSample> {
  constructor(private readonly o: SamplerOptions) {
    super(o, (app, sample) => o.events.emit('app.metrics', { app, sample }), 720);
  }

  /** One sampling round over every running app container. */
  protected collect(): Promise<void> {
    return this.sample().catch((err: unknown) => this.o.log.warn({ err }, 'metrics sampling failed'));
  }

  private asleep(): Promise<string[]> {
    if (!this.o.asleep) return Promise.resolve([]);
    // Without the sleep states this round still measures what runs.
    return this.o.asleep().catch((err: unknown) => {
      this.o.log.warn({ err }, 'reading the sleeping apps for the metrics failed');
      return [];
    });
  }

  private async sample(): Promise<void> {
    const byApp = new Map<string, ReplicaSample[]>();
    const [stats, asleep] = await Promise.all([this.o.runtime.stats(this.o.labels), this.asleep()]);
    for (const { app, replica, stats: s } of stats) {
      const list = byApp.get(app) ?? [];
      list.push(replicaSample(replica, s));
      byApp.set(app, list);
    }
    // Asleep: nothing runs (a replica still stopping, or already started by a wake, is measured above).
    for (const app of asleep) if (!byApp.has(app)) byApp.set(app, []);
    const at = this.o.clock();
    for (const [app, replicas] of byApp)
      this.record(
        app,
        appSample(
          at,
          replicas.sort((a, b) => a.replica.localeCompare(b.replica)),
        ),
      );
  }
}
