// Samples the stats of every running app replica of this platform instance on a timer (through
// the app runtime: the engine's containers, or a Swarm's tasks on this node),
// keeps each app's recent history in a bounded ring, and emits `app.metrics` {app, sample} for
// live dashboards. Ticks never overlap; a container that vanishes mid-tick is skipped.
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
}

export class MetricsSampler extends PeriodicHistory<MetricsSample> {
  constructor(private readonly o: SamplerOptions) {
    super(o, (app, sample) => o.events.emit('app.metrics', { app, sample }), 720);
  }

  /** One sampling round over every running app container. */
  protected collect(): Promise<void> {
    return this.sample().catch((err: unknown) => this.o.log.warn({ err }, 'metrics sampling failed'));
  }

  private async sample(): Promise<void> {
    const byApp = new Map<string, ReplicaSample[]>();
    for (const { app, replica, stats } of await this.o.runtime.stats(this.o.labels)) {
      const list = byApp.get(app) ?? [];
      list.push(replicaSample(replica, stats));
      byApp.set(app, list);
    }
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
