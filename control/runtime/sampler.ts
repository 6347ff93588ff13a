// Samples Docker stats of every running app container of this platform instance on a timer,
// keeps each app's recent history in a bounded ring, and emits `app.metrics` {app, sample} for
// live dashboards. Ticks never overlap; a container that vanishes mid-tick is skipped.
import type Docker from 'dockerode';
import type { Logger } from '../../common/log/logger.js';
import { LABEL_APP } from '../../builder/index.js';
import { PeriodicHistory, type HistoryOptions } from './periodic-history.js';
import { appSample, hasReadings, replicaSample, type DockerStats, type MetricsSample, type ReplicaSample } from './stats.js';

export interface SamplerOptions extends HistoryOptions {
  docker: Docker;
  log: Logger;
  clock: () => number;
  /** Labels this instance's containers carry (the sampler looks at no one else's). */
  labels: Record<string, string>;
}

export class MetricsSampler extends PeriodicHistory<MetricsSample> {
  constructor(private readonly o: SamplerOptions) {
    super(o, 'app.metrics', 720);
  }

  /** One sampling round over every running app container. */
  protected collect(): Promise<void> {
    return this.sample().catch((err: unknown) => this.o.log.warn({ err }, 'metrics sampling failed'));
  }

  private async sample(): Promise<void> {
    const label = [LABEL_APP, ...Object.entries(this.o.labels).map(([k, v]) => `${k}=${v}`)];
    const containers = await this.o.docker.listContainers({ filters: { label, status: ['running'] } });
    const byApp = new Map<string, ReplicaSample[]>();
    await Promise.all(containers.map(async (c) => {
      const app = c.Labels[LABEL_APP];
      // stream:false waits for a second reading, so precpu_stats is filled in for the CPU delta.
      const stats = await this.o.docker.getContainer(c.Id).stats({ stream: false }).catch(() => null) as DockerStats | null;
      // A container stopping between the listing and its stats has no readings: it is left out
      // of this round, the other replicas and apps are not.
      if (!app || !stats || !hasReadings(stats)) return;
      const list = byApp.get(app) ?? [];
      list.push(replicaSample((c.Names[0] ?? c.Id).replace(/^\//, ''), stats));
      byApp.set(app, list);
    }));
    const at = this.o.clock();
    for (const [app, replicas] of byApp) this.record(app, appSample(at, replicas.sort((a, b) => a.replica.localeCompare(b.replica))));
  }
}
