// CPU, memory and network charts (Docker stats), and request rate and latency (the gateway's
// counters): the last hour from GET /apps/:name/metrics, then live samples from the app's
// metrics room, and scale to zero's wakes and cold starts (same endpoint, read when the tab opens).
// Loaded on demand: the charting library stays out of the first page load.
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { ErrorLine } from '../../components/ui';
import { useAppStream, useSocketEvent } from '../../useRealtime';
import type { AppInfo, RequestSample } from '../../types';
import { Chart } from './Chart';

interface Sample {
  at: number;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  rx: number;
  tx: number;
  replicas: number;
}
/** One replica's Docker stats, as control sends it (control/runtime/stats.ts ReplicaSample). */
interface ReplicaSample {
  replica: string;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
}
/**
 * The app's sample as control sends it, in GET /apps/:name/metrics → samples and in app:metrics
 * (control/runtime/stats.ts MetricsSample): sums over the replicas; the network figures are the
 * bytes counted since each container started, so the chart shows their rate.
 */
type ServerSample = Omit<ReplicaSample, 'replica'> & { at: number; replicas: ReplicaSample[] };

const MAX = 720;
const MAX_REQUESTS = 1800;
const normalize = (s: ServerSample): Sample => ({
  at: s.at,
  cpuPercent: s.cpuPercent,
  memoryBytes: s.memoryBytes,
  memoryLimitBytes: s.memoryLimitBytes,
  rx: s.networkRxBytes,
  tx: s.networkTxBytes,
  replicas: s.replicas.length,
});

function rate(samples: Sample[], key: 'rx' | 'tx'): number[] {
  return samples.map((s, i) => {
    const prev = samples[i - 1];
    if (!prev || s.at <= prev.at) return 0;
    return Math.max(0, (s[key] - prev[key]) / ((s.at - prev.at) / 1000) / 1024);
  });
}

/** GET /apps/:name/metrics → sleep: scale to zero's wakes and cold starts. */
interface SleepFigures {
  sleeping: boolean;
  wakes: number;
  lastColdStartMs: number | null;
  averageColdStartMs: number | null;
  coldStarts: { at: number; ms: number }[];
}

const ms = (v: number | null): string => (v === null ? '—' : `${v} ms`);

function ColdStarts({ sleep }: { sleep: SleepFigures | null }) {
  if (!sleep || (sleep.wakes === 0 && !sleep.sleeping)) return null;
  return (
    <p className="muted" data-testid="cold-starts">
      {sleep.sleeping ? 'Asleep now (scale to zero) · ' : ''}
      {sleep.wakes} {sleep.wakes === 1 ? 'wake' : 'wakes'} from sleep · last cold start {ms(sleep.lastColdStartMs)} · average{' '}
      {ms(sleep.averageColdStartMs)}
    </p>
  );
}

const merge = <T extends { at: number }>(a: T[], b: T[], max: number): T[] => [...a, ...b].sort((x, y) => x.at - y.at).slice(-max);

function RequestsNote({ requests, gateways }: { requests: RequestSample[]; gateways: number | null }) {
  const last = requests[requests.length - 1];
  if (last) {
    return (
      <p className="muted" data-testid="request-count">
        {last.total} requests counted by the gateway · last window: 2xx {last.status['2xx']}, 3xx {last.status['3xx']}, 4xx{' '}
        {last.status['4xx']}, 5xx {last.status['5xx']}
      </p>
    );
  }
  if (gateways === null) return null;
  const why =
    gateways === 0
      ? 'The gateway has not reported yet: request rate and latency appear once it does (every 2 seconds).'
      : 'No request has reached this app through the gateway yet.';
  return (
    <p className="muted" data-testid="requests-note">
      {why}
    </p>
  );
}

function RequestsChart({ requests }: { requests: RequestSample[] }) {
  return (
    <Chart
      title="Requests"
      unit="req/s"
      rightUnit="ms"
      labels={requests.map((r) => new Date(r.at).toLocaleTimeString())}
      series={[
        { label: 'req/s', data: requests.map((r) => r.ratePerSecond), color: '#0891b2' },
        { label: 'p50 latency', data: requests.map((r) => r.p50Ms), color: '#16a34a', right: true },
        { label: 'p99 latency', data: requests.map((r) => r.p99Ms), color: '#dc2626', right: true },
      ]}
    />
  );
}

export default function Metrics({ app }: { app: AppInfo }) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [requests, setRequests] = useState<RequestSample[]>([]);
  const [gateways, setGateways] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sleep, setSleep] = useState<SleepFigures | null>(null);
  useEffect(() => {
    api<{ samples: ServerSample[]; requests?: RequestSample[]; gateways?: number; sleep?: SleepFigures }>(
      'GET',
      `/apps/${app.name}/metrics`,
    ).then(
      (r) => {
        setSleep(r.sleep ?? null);
        setSamples((live) => merge(r.samples.map(normalize), live, MAX));
        setRequests((live) =>
          merge(
            (r.requests ?? []).filter((x) => !live.some((l) => l.at === x.at)),
            live,
            MAX_REQUESTS,
          ),
        );
        setGateways(r.gateways ?? 0);
      },
      () => setError('No metrics history yet; live samples appear below as they arrive.'),
    );
  }, [app.name]);
  const refused = useAppStream<{ sample: ServerSample }>(app.name, 'metrics', 'app:metrics', (e) => {
    const s = normalize(e.sample);
    // Several control instances may each send a sample of the same moment.
    setSamples((list) => (list.some((x) => x.at === s.at) ? list : [...list, s].slice(-MAX)));
  });
  // Same room as app:metrics (joined above); only this control instance sends these.
  useSocketEvent<{ app: string; sample: RequestSample }>('app:requests', (e) => {
    if (e.app !== app.name) return;
    setRequests((list) => (list.some((x) => x.at === e.sample.at) ? list : [...list, e.sample].slice(-MAX_REQUESTS)));
  });
  const labels = samples.map((s) => new Date(s.at).toLocaleTimeString());
  return (
    <div className="stack">
      <ErrorLine error={refused ?? error} />
      <p className="muted" data-testid="sample-count">
        {samples.length} samples
      </p>
      <RequestsNote requests={requests} gateways={gateways} />
      <ColdStarts sleep={sleep} />
      <div className="charts">
        <Chart
          title="CPU and replicas"
          unit="%"
          rightUnit="replicas"
          labels={labels}
          series={[
            { label: 'CPU %', data: samples.map((s) => s.cpuPercent), color: '#2f6fde' },
            // The replica count over time: the autoscaler's (or a manual scale's) changes show here.
            { label: 'replicas', data: samples.map((s) => s.replicas), color: '#111827', right: true },
          ]}
        />
        <Chart
          title="Memory"
          unit="MiB"
          labels={labels}
          series={[
            { label: 'used', data: samples.map((s) => s.memoryBytes / 1048576), color: '#16a34a' },
            { label: 'limit', data: samples.map((s) => s.memoryLimitBytes / 1048576), color: '#9ca3af' },
          ]}
        />
        <Chart
          title="Network"
          unit="KiB/s"
          labels={labels}
          series={[
            { label: 'in', data: rate(samples, 'rx'), color: '#d97706' },
            { label: 'out', data: rate(samples, 'tx'), color: '#7c3aed' },
          ]}
        />
        {requests.length > 0 && <RequestsChart requests={requests} />}
        {sleep && sleep.coldStarts.length > 0 && (
          <Chart
            title="Cold starts"
            unit="ms"
            labels={sleep.coldStarts.map((c) => new Date(c.at).toLocaleTimeString())}
            series={[{ label: 'request in → awake', data: sleep.coldStarts.map((c) => c.ms), color: '#0f766e' }]}
          />
        )}
      </div>
    </div>
  );
}
