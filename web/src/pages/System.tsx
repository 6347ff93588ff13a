// Admin: the platform's own process (CPU, memory) and whether Docker, Redis and the store answer.
import { useEffect, useState } from 'react';
import { api, errorText } from '../api';
import { ErrorLine, Status } from '../components/ui';

interface Probe {
  status: string;
  [k: string]: unknown;
}
interface SystemInfo {
  processes: { name: string; pid: number; cpuPercent: number; memoryBytes: number; uptimeSeconds: number }[];
  docker: Probe;
  redis: Probe;
  store: Probe;
}

function Details({ probe }: { probe: Probe }) {
  return (
    <>
      {Object.entries(probe)
        .filter(([k]) => k !== 'status')
        .map(([k, v]) => (
          <div key={k} className="muted">
            {k}: {String(v)}
          </div>
        ))}
    </>
  );
}

export default function System() {
  const [info, setInfo] = useState<SystemInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = (): void => {
      api<SystemInfo>('GET', '/system').then(setInfo, (err: unknown) => setError(errorText(err)));
    };
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <section className="stack">
      <h1>System</h1>
      <ErrorLine error={error} />
      {info && (
        <>
          <table className="table">
            <thead>
              <tr>
                <th>Process</th>
                <th>PID</th>
                <th>CPU</th>
                <th>Memory</th>
                <th className="hide-sm">Up</th>
              </tr>
            </thead>
            <tbody>
              {info.processes.map((p) => (
                <tr key={p.pid}>
                  <td>{p.name}</td>
                  <td>{p.pid}</td>
                  <td>{p.cpuPercent.toFixed(1)} %</td>
                  <td>{(p.memoryBytes / 1048576).toFixed(0)} MiB</td>
                  <td className="hide-sm">{Math.round(p.uptimeSeconds / 60)} min</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="grid3">
            {(['docker', 'redis', 'store'] as const).map((k) => (
              <div key={k} className="card">
                <h2>{k}</h2>
                <Status status={info[k].status} />
                <Details probe={info[k]} />
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
