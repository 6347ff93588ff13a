// The activity (audit) log: admins see everything, others their own actions; filter by app.
import { useEffect, useState } from 'react';
import { api, errorText } from '../api';
import { ErrorLine, ago } from '../components/ui';

interface Event {
  id: string;
  at: number;
  actorEmail: string | null;
  action: string;
  target: string | null;
  result: string;
  ip: string | null;
}

export default function Audit() {
  const [events, setEvents] = useState<Event[]>([]);
  const [app, setApp] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = (target: string): void => {
    const q = target ? `?target=${encodeURIComponent(`app:${target}`)}&limit=200` : '?limit=200';
    api<Event[]>('GET', `/audit${q}`).then(
      (e) => {
        setEvents(e);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  useEffect(() => load(''), []);
  return (
    <section className="stack">
      <h1>Activity</h1>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          load(app);
        }}
        aria-label="Filter"
      >
        <label>
          App <input value={app} onChange={(e) => setApp(e.target.value)} placeholder="all" />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorLine error={error} />
      <table className="table">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th className="hide-sm">Target</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td title={new Date(e.at).toISOString()}>{ago(e.at)}</td>
              <td>{e.actorEmail ?? '—'}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td className="hide-sm">{e.target ?? ''}</td>
              <td className={e.result === 'ok' ? 'ok' : 'error'}>{e.result}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
