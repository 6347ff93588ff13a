// The Autoscale section: the app's autoscale settings (on/off, replica bounds, target per replica)
// saved with PATCH /apps/:name, and what the autoscaler did — its latest look, a standing quota
// refusal and the last decisions with their reasons (GET /apps/:name/status → autoscale).
import { useEffect, useState } from 'react';
import { api, errorText } from '../../../api';
import { useCan } from '../../../access';
import { ago, ErrorLine } from '../../../components/ui';
import type { AppInfo, AutoscaleStatus } from '../../../types';

type Kind = 'rps' | 'inflight';

export default function AutoscaleSection({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const current = app.autoscale ?? null;
  const [form, setForm] = useState({
    on: current !== null,
    min: current?.minReplicas ?? 1,
    max: current?.maxReplicas ?? 3,
    kind: (current && 'inflight' in current.target ? 'inflight' : 'rps') as Kind,
    value: current ? (current.target.rps ?? current.target.inflight ?? 40) : 40,
  });
  const [status, setStatus] = useState<AutoscaleStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const operate = useCan(app, 'operate');
  useEffect(() => {
    let live = true;
    const load = (): void => {
      api<{ autoscale: AutoscaleStatus | null }>('GET', `/apps/${app.name}/status`).then(
        (s) => {
          if (live) setStatus(s.autoscale);
        },
        () => undefined,
      );
    };
    load();
    const timer = setInterval(load, 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [app.name, app.updatedAt]);
  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const autoscale = form.on ? { minReplicas: form.min, maxReplicas: form.max, target: { [form.kind]: form.value } } : null;
    try {
      await api('PATCH', `/apps/${app.name}`, { autoscale });
      setSaved(true);
      onChange();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const num = (k: 'min' | 'max' | 'value') => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: Number(e.target.value) });
  return (
    <section className="card stack" aria-label="Autoscale">
      <h2>Autoscale</h2>
      <p className="muted">
        Scales on the gateways&apos; request figures: up within seconds, down after a calm minute and a cool-down, health-gated and within
        your quotas.
      </p>
      <form className="stack" onSubmit={(e) => void save(e)}>
        <label>
          <input
            type="checkbox"
            checked={form.on}
            disabled={!operate.allowed}
            title={operate.title}
            onChange={(e) => setForm({ ...form, on: e.target.checked })}
          />{' '}
          Autoscale this app
        </label>
        <div className="row">
          <label>
            Min replicas{' '}
            <input type="number" min={0} max={20} value={form.min} disabled={!form.on || !operate.allowed} onChange={num('min')} />
          </label>
          <label>
            Max replicas{' '}
            <input type="number" min={1} max={20} value={form.max} disabled={!form.on || !operate.allowed} onChange={num('max')} />
          </label>
          <label>
            Target per replica{' '}
            <input type="number" min={0.1} step="any" value={form.value} disabled={!form.on || !operate.allowed} onChange={num('value')} />
          </label>
          <select
            aria-label="Target kind"
            value={form.kind}
            disabled={!form.on || !operate.allowed}
            onChange={(e) => setForm({ ...form, kind: e.target.value as Kind })}
          >
            <option value="rps">requests per second</option>
            <option value="inflight">requests in flight</option>
          </select>
        </div>
        <div className="row">
          <button type="submit" className="primary" disabled={!operate.allowed} title={operate.title}>
            Save autoscale
          </button>
          {saved && (
            <span className="ok" role="status">
              Saved.
            </span>
          )}
        </div>
        <ErrorLine error={error} />
      </form>
      {status && (
        <div className="stack" data-testid="autoscale-status">
          <p>
            Running <strong>{status.replicas}</strong> of {status.minReplicas}–{status.maxReplicas} replicas
            {status.latest && (
              <>
                {' '}
                · latest look {ago(status.latest.at)}:{' '}
                {status.latest.direction === 'hold' ? 'hold' : `${status.latest.direction} to ${status.latest.desired}`} (
                {status.latest.mode}) — {status.latest.reason}
              </>
            )}
          </p>
          {status.refusal && (
            <p className="error" role="alert">
              Refused {ago(status.refusal.at)}: {status.refusal.message}
            </p>
          )}
          {status.decisions.length > 0 ? (
            <ul className="plain" aria-label="Autoscale decisions">
              {status.decisions.map((d) => (
                <li key={`${d.at}-${d.kind}`}>
                  <span className="muted">{new Date(d.at).toLocaleTimeString()}</span> {d.message}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No scaling decision yet.</p>
          )}
        </div>
      )}
    </section>
  );
}
