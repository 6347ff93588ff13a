// The long-lived parts of day-two operations, built with control's dependencies and started
// and stopped with control: the metrics sampler and the reconciler.
import { MetricsSampler } from '../runtime/sampler.js';
import { Reconciler } from '../reconciler/reconciler.js';
import type { OpsDeps } from './deps.js';
import type { ControlEventBus } from '../server/events.js';

export function operationServices(x: OpsDeps & { events: ControlEventBus; clock: () => number }): {
  metrics: MetricsSampler;
  reconciler: Reconciler;
} {
  return {
    metrics: new MetricsSampler({
      runtime: x.deploy.runtime,
      events: x.events,
      log: x.log,
      clock: x.clock,
      labels: x.deploy.labels,
      intervalMs: x.config.metricsIntervalSeconds * 1000,
    }),
    reconciler: new Reconciler(x, { intervalMs: x.config.reconcileIntervalSeconds * 1000 }),
  };
}
