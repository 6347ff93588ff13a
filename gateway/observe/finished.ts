// Every request the gateway answers — proxied or refused, by either engine — is counted the
// same way, once: the in-flight gauge goes down, the app's metrics get its status and latency,
// and the access log gets its line.
import type { GatewayCore } from '../core.js';
import type { AccessEntry } from './access-log.js';

export type FinishedRequest = Omit<AccessEntry, 'status' | 'ms'>;

export function countFinished(core: GatewayCore, start: number, status: number, entry: FinishedRequest): void {
  core.inflight--;
  const ms = performance.now() - start;
  // Refusals before routing (unknown host, bad request) belong to no app.
  if (entry.app) core.metrics.record(entry.app, status, ms);
  if (core.access.enabled) core.access.write({ ...entry, status, ms });
}
