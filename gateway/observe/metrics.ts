// Per-app counters the dashboard reads: requests, status classes, latency histogram, and the
// requests in flight at the moment of the snapshot (the autoscaler's concurrency figure). Recording
// is a few array increments (no allocation); the gauge is read from the upstreams' own in-flight
// counts only when a snapshot is taken, so the request path pays nothing for it.
import { LATENCY_BUCKETS_MS, type AppMetrics } from '../../common/gateway-reports/index.js';

export class Metrics {
  readonly apps = new Map<string, AppMetrics>();
  /** Requests in flight per app right now (the gateway wires it to its route index). */
  inflightSource: (() => ReadonlyMap<string, number>) | null = null;

  record(app: string, status: number, ms: number): void {
    let m = this.apps.get(app);
    if (!m) {
      m = { requests: 0, status: [0, 0, 0, 0, 0], latency: emptyLatency(), bytesIn: 0 };
      this.apps.set(app, m);
    }
    m.requests++;
    const cls = Math.floor(status / 100) - 1;
    if (cls >= 0 && cls < 5) m.status[cls]!++;
    let b = 0;
    while (b < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[b]!) b++;
    m.latency[b]!++;
  }

  snapshot(): Record<string, AppMetrics> {
    const inflight = this.inflightSource?.();
    if (!inflight) return Object.fromEntries(this.apps);
    const out: Record<string, AppMetrics> = {};
    for (const [app, m] of this.apps) out[app] = { ...m, inflight: inflight.get(app) ?? 0 };
    // An app whose first requests are all still in flight has no counters yet, only the gauge.
    for (const [app, n] of inflight)
      out[app] ??= { requests: 0, status: [0, 0, 0, 0, 0], latency: emptyLatency(), bytesIn: 0, inflight: n };
    return out;
  }
}

function emptyLatency(): number[] {
  return new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
}
