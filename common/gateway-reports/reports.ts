// What each gateway process reports to the rest of the platform every couple of seconds (written
// by gateway/observe/publish.ts, read by control): its per-app metrics, for the dashboard and the
// autoscaler, and its view of the route table (version, hosts), so the route inspection API can
// show drift between Redis and what a gateway actually serves.
import type { Redis } from 'ioredis';

/** Redis hash gateway id → GatewayMetricsReport (JSON); each report is also published on this channel. */
export const METRICS_KEY = 'deployflow:gateway:metrics';
/** Redis hash gateway id → GatewayView (JSON). */
export const VIEWS_KEY = 'deployflow:gateway:views';

/** Upper bounds (ms) of the latency histogram's buckets; one more slot counts the slower ones. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export interface AppMetrics {
  requests: number;
  /** Index 0..4 = 1xx..5xx. */
  status: number[];
  /** Counts per LATENCY_BUCKETS_MS upper bound, last slot = slower than all. */
  latency: number[];
  bytesIn: number;
  /** Requests in flight at the snapshot (a gauge, not a counter); absent from older gateways. */
  inflight?: number;
}

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

/** Every running gateway's view of the route table (for GET /api/v1/routes). */
export async function readGatewayViews(redis: Redis): Promise<GatewayView[]> {
  return Object.values(await redis.hgetall(VIEWS_KEY)).map((v) => JSON.parse(v) as GatewayView);
}

/** Per-gateway, per-app counters since each gateway started (sum them for a platform total). */
export async function readGatewayMetrics(redis: Redis): Promise<GatewayMetricsReport[]> {
  return Object.values(await redis.hgetall(METRICS_KEY)).map((v) => JSON.parse(v) as GatewayMetricsReport);
}
