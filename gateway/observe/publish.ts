// What each gateway process tells the rest of the platform every couple of seconds: its per-app
// metrics (for the dashboard) and its view of the route table (version, hosts), so the route
// inspection API can show drift between Redis and what a gateway actually serves.
import type { Redis } from 'ioredis';
import type { RouteTableConsumer } from '../../common/routes/index.js';
import type { AppMetrics, Metrics } from './metrics.js';

export const METRICS_KEY = 'deployflow:gateway:metrics';
export const VIEWS_KEY = 'deployflow:gateway:views';

export interface GatewayView {
  id: string;
  version: number;
  hosts: number;
  connectedToRedis: boolean;
  at: string;
}

export interface GatewayMetricsReport {
  id: string;
  at: string;
  apps: Record<string, AppMetrics>;
}

export function startPublishing(redis: Redis, id: string, consumer: RouteTableConsumer, metrics: Metrics, everyMs = 2000): () => Promise<void> {
  const publish = async (): Promise<void> => {
    const at = new Date().toISOString();
    const view: GatewayView = { id, version: consumer.version, hosts: consumer.routes.size, connectedToRedis: consumer.connected, at };
    const report: GatewayMetricsReport = { id, at, apps: metrics.snapshot() };
    await redis.multi()
      .hset(VIEWS_KEY, id, JSON.stringify(view))
      .hset(METRICS_KEY, id, JSON.stringify(report))
      .publish(METRICS_KEY, JSON.stringify(report))
      .exec();
  };
  const timer = setInterval(() => { publish().catch(() => undefined); }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await redis.multi().hdel(VIEWS_KEY, id).hdel(METRICS_KEY, id).exec().catch(() => undefined);
  };
}

/** Every running gateway's view of the route table (for GET /api/v1/routes). */
export async function readGatewayViews(redis: Redis): Promise<GatewayView[]> {
  return Object.values(await redis.hgetall(VIEWS_KEY)).map((v) => JSON.parse(v) as GatewayView);
}

/** Per-gateway, per-app counters since each gateway started (sum them for a platform total). */
export async function readGatewayMetrics(redis: Redis): Promise<GatewayMetricsReport[]> {
  return Object.values(await redis.hgetall(METRICS_KEY)).map((v) => JSON.parse(v) as GatewayMetricsReport);
}
