// The long-lived parts of day-two operations, built with control's dependencies and started
// and stopped with control: the metrics sampler and the reconciler.
import { MetricsSampler } from '../runtime/sampler.js';
import { sleepingApps } from '../edge/state.js';
import { Reconciler } from '../reconciler/reconciler.js';
import type { OpsDeps } from './deps.js';
import type { ControlEventBus } from '../server/events.js';

export function operationServices(ops: OpsDeps & { events: ControlEventBus; clock: () => number }): {
  metrics: MetricsSampler;
  reconciler: Reconciler;
} {
  return {
    metrics: new MetricsSampler({
      runtime: ops.deploy.runtime,
      events: ops.events,
      log: ops.log,
      clock: ops.clock,
      labels: ops.deploy.labels,
      asleep: () => sleepingApps(ops.store),
      intervalMs: ops.config.metricsIntervalSeconds * 1000,
    }),
    reconciler: new Reconciler(ops, { intervalMs: ops.config.reconcileIntervalSeconds * 1000 }),
  };
}
