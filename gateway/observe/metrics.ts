// Per-app counters the dashboard reads: requests, status classes, latency histogram. Recording is
// a few array increments (no allocation); snapshots are published to Redis on a timer.
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export interface AppMetrics {
  requests: number;
  /** Index 0..4 = 1xx..5xx. */
  status: number[];
  /** Counts per LATENCY_BUCKETS_MS upper bound, last slot = slower than all. */
  latency: number[];
  bytesIn: number;
}

export class Metrics {
  readonly apps = new Map<string, AppMetrics>();

  record(app: string, status: number, ms: number): void {
    let m = this.apps.get(app);
    if (!m) {
      m = { requests: 0, status: [0, 0, 0, 0, 0], latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), bytesIn: 0 };
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
    return Object.fromEntries(this.apps);
  }
}
