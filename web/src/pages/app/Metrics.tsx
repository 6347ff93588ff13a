// CPU, memory and network charts: the last hour from GET /apps/:name/metrics, then live
// samples from the app's metrics room. Loaded on demand: the charting library stays out of the
// first page load.
import { CategoryScale, Chart as ChartJS, Filler, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import { useEffect, useState } from 'react';
import { Line } from 'react-chartjs-2';
import { api } from '../../api';
import { ErrorLine } from '../../components/ui';
import { useAppStream } from '../../useRealtime';
import type { AppInfo } from '../../types';

ChartJS.register(CategoryScale, LinearScale, PointElement, LineElement, Filler, Tooltip, Legend);

interface Sample { at: number; cpuPercent: number; memoryBytes: number; memoryLimitBytes: number; rx: number; tx: number }
type Raw = Partial<{ at: number; cpuPercent: number; memoryBytes: number; memoryLimitBytes: number; rxBytes: number; txBytes: number; networkRxBytes: number; networkTxBytes: number }>;

const MAX = 720;
const normalize = (s: Raw): Sample => ({
  at: s.at ?? Date.now(), cpuPercent: s.cpuPercent ?? 0, memoryBytes: s.memoryBytes ?? 0, memoryLimitBytes: s.memoryLimitBytes ?? 0,
  rx: s.rxBytes ?? s.networkRxBytes ?? 0, tx: s.txBytes ?? s.networkTxBytes ?? 0,
});

function rate(samples: Sample[], key: 'rx' | 'tx'): number[] {
  return samples.map((s, i) => {
    const prev = samples[i - 1];
    if (!prev || s.at <= prev.at) return 0;
    return Math.max(0, (s[key] - prev[key]) / ((s.at - prev.at) / 1000) / 1024);
  });
}

const options = (unit: string) => ({
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  interaction: { mode: 'index' as const, intersect: false },
  scales: { y: { beginAtZero: true, title: { display: true, text: unit } }, x: { ticks: { maxTicksLimit: 6 } } },
  elements: { point: { radius: 0 } },
});

function Chart({ title, labels, series, unit }: { title: string; labels: string[]; series: { label: string; data: number[]; color: string }[]; unit: string }) {
  return (
    <figure className="card chart" aria-label={`${title} chart`}>
      <figcaption>{title}</figcaption>
      <div className="chart-box">
        <Line
          options={options(unit)}
          data={{ labels, datasets: series.map((s) => ({ label: s.label, data: s.data, borderColor: s.color, backgroundColor: `${s.color}33`, fill: true, tension: 0.2 })) }}
        />
      </div>
    </figure>
  );
}

export default function Metrics({ app }: { app: AppInfo }) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ samples: Raw[] }>('GET', `/apps/${app.name}/metrics`).then((r) => {
      setSamples((live) => [...r.samples.map(normalize), ...live].sort((a, b) => a.at - b.at).slice(-MAX));
    }, () => setError('No metrics history yet; live samples appear below as they arrive.'));
  }, [app.name]);
  const refused = useAppStream<{ sample: Raw }>(app.name, 'metrics', 'app:metrics', (e) => {
    const s = normalize(e.sample);
    // Several control instances may each send a sample of the same moment.
    setSamples((list) => (list.some((x) => x.at === s.at) ? list : [...list, s].slice(-MAX)));
  });
  const labels = samples.map((s) => new Date(s.at).toLocaleTimeString());
  return (
    <div className="stack">
      <ErrorLine error={refused ?? error} />
      <p className="muted" data-testid="sample-count">{samples.length} samples</p>
      <div className="charts">
        <Chart title="CPU" unit="%" labels={labels} series={[{ label: 'CPU %', data: samples.map((s) => s.cpuPercent), color: '#2f6fde' }]} />
        <Chart title="Memory" unit="MiB" labels={labels} series={[
          { label: 'used', data: samples.map((s) => s.memoryBytes / 1048576), color: '#16a34a' },
          { label: 'limit', data: samples.map((s) => s.memoryLimitBytes / 1048576), color: '#9ca3af' },
        ]} />
        <Chart title="Network" unit="KiB/s" labels={labels} series={[
          { label: 'in', data: rate(samples, 'rx'), color: '#d97706' },
          { label: 'out', data: rate(samples, 'tx'), color: '#7c3aed' },
        ]} />
      </div>
    </div>
  );
}
