// Gateway counters → request samples (pure). Each gateway process publishes counters since it
// started; a rate needs two reports of the same process, so the aggregator remembers the last
// report per process and turns the difference into that process's latest window. A sample sums
// the latest window of every live process: two gateways publishing out of step still add up to
// the platform's rate instead of alternating between one and the other.
import { LATENCY_BUCKETS_MS, type AppMetrics, type GatewayMetricsReport } from '../../common/gateway-reports/index.js';

export type StatusClasses = Record<'2xx' | '3xx' | '4xx' | '5xx', number>;

export interface RequestSample {
  at: number;
  /** Requests in the windows this sample covers (the latest window of each gateway). */
  requests: number;
  ratePerSecond: number;
  status: StatusClasses;
  /** Latency percentiles from the histogram buckets; null when the windows had no request. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Every request the reporting gateways have counted since they started. */
  total: number;
  /** Requests in flight at the gateways' latest reports (a gauge, summed over gateways). */
  inflight: number;
  gateways: number;
}

/** The q-quantile (0..1) of a bucketed histogram, interpolated linearly inside its bucket. */
export function percentileMs(latency: readonly number[], q: number, bounds: readonly number[] = LATENCY_BUCKETS_MS): number | null {
  const count = latency.reduce((a, n) => a + n, 0);
  if (count <= 0) return null;
  const rank = Math.min(1, Math.max(0, q)) * count;
  let before = 0;
  for (let i = 0; i < latency.length; i++) {
    const n = latency[i] ?? 0;
    if (n > 0 && before + n >= rank) {
      // The overflow bucket has no upper bound: all we know is "slower than the last bound".
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return round1(lower + ((rank - before) / n) * (bounds[i]! - lower));
    }
    before += n;
  }
  return bounds[bounds.length - 1] ?? null;
}

/** Counters added between two reports of one process (a counter that went down starts over). */
export function counterDelta(prev: AppMetrics | undefined, next: AppMetrics): AppMetrics {
  const restarted = prev !== undefined && next.requests < prev.requests;
  const base = restarted ? undefined : prev;
  const sub = (a: number[], b: number[] | undefined): number[] => a.map((n, i) => Math.max(0, n - (b?.[i] ?? 0)));
  return {
    requests: next.requests - (base?.requests ?? 0),
    status: sub(next.status, base?.status),
    latency: sub(next.latency, base?.latency),
    bytesIn: Math.max(0, next.bytesIn - (base?.bytesIn ?? 0)),
  };
}

interface Window {
  ms: number;
  apps: Record<string, AppMetrics>;
}
interface Seen {
  report: GatewayMetricsReport;
  seenAt: number;
  window: Window | null;
}

export class RequestAggregator {
  private readonly gateways = new Map<string, Seen>();

  /** @param staleMs a process whose report has not moved for this long no longer counts (it died without saying so). */
  constructor(private readonly staleMs = 10_000) {}

  /** Gateway processes whose reports are live. */
  get reporting(): number {
    return this.gateways.size;
  }

  /** Takes every process's current report; returns one sample per app when any report moved. */
  ingest(reports: readonly GatewayMetricsReport[], now: number): Map<string, RequestSample> {
    let moved = false;
    const present = new Set<string>();
    for (const report of reports) {
      present.add(report.id);
      const seen = this.gateways.get(report.id);
      if (!seen) {
        // The first report is the baseline: counters since an unknown start give no rate.
        this.gateways.set(report.id, { report, seenAt: now, window: null });
        continue;
      }
      const ms = Date.parse(report.at) - Date.parse(seen.report.at);
      if (!(ms > 0)) continue;
      const apps: Record<string, AppMetrics> = {};
      for (const [app, m] of Object.entries(report.apps)) apps[app] = counterDelta(seen.report.apps[app], m);
      this.gateways.set(report.id, { report, seenAt: now, window: { ms, apps } });
      moved = true;
    }
    for (const [id, seen] of this.gateways) {
      if (!present.has(id) || now - seen.seenAt > this.staleMs) this.gateways.delete(id);
    }
    return moved ? this.samples(now) : new Map();
  }

  private samples(now: number): Map<string, RequestSample> {
    const out = new Map<string, { s: RequestSample; latency: number[] }>();
    for (const { report, window } of this.gateways.values()) {
      for (const [app, m] of Object.entries(report.apps)) {
        let entry = out.get(app);
        if (!entry) {
          entry = { s: emptySample(now), latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) };
          out.set(app, entry);
        }
        entry.s.total += m.requests;
        entry.s.inflight += m.inflight ?? 0;
        const d = window?.apps[app];
        if (!window || !d) continue;
        entry.s.gateways += 1;
        entry.s.requests += d.requests;
        entry.s.ratePerSecond += d.requests / (window.ms / 1000);
        entry.s.status['2xx'] += d.status[1] ?? 0;
        entry.s.status['3xx'] += d.status[2] ?? 0;
        entry.s.status['4xx'] += d.status[3] ?? 0;
        entry.s.status['5xx'] += d.status[4] ?? 0;
        d.latency.forEach((n, i) => {
          entry.latency[i] = (entry.latency[i] ?? 0) + n;
        });
      }
    }
    const result = new Map<string, RequestSample>();
    for (const [app, { s, latency }] of out) {
      result.set(app, {
        ...s,
        ratePerSecond: Math.round(s.ratePerSecond * 100) / 100,
        p50Ms: percentileMs(latency, 0.5),
        p95Ms: percentileMs(latency, 0.95),
        p99Ms: percentileMs(latency, 0.99),
      });
    }
    return result;
  }
}

function emptySample(at: number): RequestSample {
  return {
    at,
    requests: 0,
    ratePerSecond: 0,
    status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    total: 0,
    inflight: 0,
    gateways: 0,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
