// Scale to zero: the idle time after which the app sleeps (0: never), and its sleep state from
// GET /apps/:name/status (asleep or not, last wake, wake count, last cold start, last wake error).
import { useEffect, useState } from 'react';
import { api, errorText } from '../../../api';
import { useCan } from '../../../access';
import { ErrorLine } from '../../../components/ui';
import type { AppInfo, AppStatus } from '../../../types';

export default function SleepSection({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const [idleSeconds, setIdleSeconds] = useState(app.scaleToZero?.idleSeconds ?? 0);
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const operate = useCan(app, 'operate');
  useEffect(() => {
    let live = true;
    const load = () =>
      api<AppStatus>('GET', `/apps/${app.name}/status`).then(
        (s) => {
          if (live) setStatus(s);
        },
        () => undefined,
      );
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [app.name]);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api('PATCH', `/apps/${app.name}`, { scaleToZero: { idleSeconds } });
      setSaved(true);
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const sleep = status?.sleep;
  return (
    <form className="card stack" aria-label="Scale to zero" onSubmit={(e) => void save(e)}>
      <h2>Scale to zero</h2>
      <label className="row">
        <input type="checkbox" checked={idleSeconds > 0} onChange={(e) => setIdleSeconds(e.target.checked ? 300 : 0)} /> Sleep when idle
      </label>
      <label>
        Idle seconds before sleeping
        <input type="number" min={0} value={idleSeconds} onChange={(e) => setIdleSeconds(Number(e.target.value))} />
      </label>
      {sleep && (
        <dl aria-label="Sleep state">
          <dt>State</dt>
          <dd>{sleep.sleeping ? 'sleeping' : 'awake'}</dd>
          <dt>Woke at</dt>
          <dd>{sleep.wokeAt ? new Date(sleep.wokeAt).toLocaleString() : '—'}</dd>
          <dt>Wakes</dt>
          <dd>{sleep.wakes}</dd>
          <dt>Last cold start</dt>
          <dd>{sleep.lastColdStartMs !== null ? `${sleep.lastColdStartMs} ms` : '—'}</dd>
          <dt>Last wake error</dt>
          <dd>{sleep.lastWakeError ?? '—'}</dd>
        </dl>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={!operate.allowed} title={operate.title}>
          Save
        </button>
        {saved && (
          <span className="ok" role="status">
            Saved.
          </span>
        )}
      </div>
      <ErrorLine error={error} />
    </form>
  );
}
