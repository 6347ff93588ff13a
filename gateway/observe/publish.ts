// Writes what this gateway process reports every couple of seconds (common/gateway-reports/: its
// per-app metrics and its view of the route table), and removes it when the gateway stops.
import type { Redis } from 'ioredis';
import type { RouteTableConsumer } from '../../common/routes/index.js';
import { METRICS_KEY, VIEWS_KEY, type GatewayMetricsReport, type GatewayView } from '../../common/gateway-reports/index.js';
import type { Metrics } from './metrics.js';

export function startPublishing(
  redis: Redis,
  id: string,
  consumer: RouteTableConsumer,
  metrics: Metrics,
  everyMs = 2000,
): () => Promise<void> {
  const publish = async (): Promise<void> => {
    const at = new Date().toISOString();
    const view: GatewayView = { id, version: consumer.version, hosts: consumer.routes.size, connectedToRedis: consumer.connected, at };
    const report: GatewayMetricsReport = { id, at, apps: metrics.snapshot() };
    await redis
      .multi()
      .hset(VIEWS_KEY, id, JSON.stringify(view))
      .hset(METRICS_KEY, id, JSON.stringify(report))
      .publish(METRICS_KEY, JSON.stringify(report))
      .exec();
  };
  const timer = setInterval(() => {
    publish().catch(() => undefined);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await redis
      .multi()
      .hdel(VIEWS_KEY, id)
      .hdel(METRICS_KEY, id)
      .exec()
      .catch(() => undefined);
  };
}
