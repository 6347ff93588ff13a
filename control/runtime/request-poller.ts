// Reads the gateways' reports from Redis on a timer, keeps each app's recent request samples in a
// bounded ring (like the Docker sampler) and emits `app.requests` {app, sample} for live
// dashboards. Every control instance reads the same reports, so each one serves its own
// clients (the bridge emits these locally) and none depends on another to be up.
import type { Logger } from '../../common/log/logger.js';
import type { GatewayMetricsReport } from '../../common/gateway-reports/index.js';
import { RequestAggregator, type RequestSample } from './requests.js';
import { PeriodicHistory, type HistoryOptions } from './periodic-history.js';

export interface RequestPollerOptions extends HistoryOptions {
  read: () => Promise<GatewayMetricsReport[]>;
  log: Logger;
  clock: () => number;
}

export class GatewayRequestPoller extends PeriodicHistory<RequestSample> {
  private readonly aggregator = new RequestAggregator();
  private failing = false;

  /** A gateway publishes every 2 s, so an hour is 1800 windows. */
  constructor(private readonly o: RequestPollerOptions) {
    super(o, (app, sample) => o.events.emit('app.requests', { app, sample }), 1800);
  }

  /** How many gateway processes currently report (0: the dashboard says the gateway is silent). */
  get gateways(): number {
    return this.aggregator.reporting;
  }

  protected async collect(): Promise<void> {
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
    for (const [app, sample] of this.aggregator.ingest(reports, this.o.clock())) this.record(app, sample);
  }
}
