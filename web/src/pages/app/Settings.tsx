// App settings: replicas, limits, health check and port; collaborators (owner or admin); the
// push webhook (URL and secret); the app's notification channels; and deletion, confirmed by
// typing the app's name. Buttons the user may not use are disabled with the reason as a title.
import { useState } from 'react';
import { api, errorText } from '../../api';
import { useCan } from '../../access';
import { ErrorLine } from '../../components/ui';
import { navigate } from '../../router';
import type { AppInfo } from '../../types';
import AppNotifications from './AppNotifications';
import Collaborators from './Collaborators';
import Transfer from './Owner';

interface WebhookInfo {
  enabled: boolean;
  secret: string | null;
  urls: Record<string, string>;
}

export default function Settings({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const [form, setForm] = useState({
    replicas: app.replicas,
    memoryMb: app.limits.memoryMb,
    cpus: app.limits.cpus,
    path: app.healthcheck.path,
    port: app.port,
  });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [hook, setHook] = useState<WebhookInfo | null>(null);
  const [confirm, setConfirm] = useState('');
  const operate = useCan(app, 'operate');
  const administer = useCan(app, 'administer');
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [k]: k === 'path' ? e.target.value : Number(e.target.value) });
  const attempt = async (fn: () => Promise<void>): Promise<void> => {
    setError(null);
    setSaved(false);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const save = (e: React.FormEvent): void => {
    e.preventDefault();
    void attempt(async () => {
      await api('PATCH', `/apps/${app.name}`, {
        replicas: form.replicas,
        limits: { memoryMb: form.memoryMb, cpus: form.cpus },
        healthcheck: { path: form.path },
        port: form.port,
      });
      setSaved(true);
      onChange();
    });
  };
  return (
    <div className="stack">
      <form className="card grid2" onSubmit={save} aria-label="Settings">
        <label>
          Replicas <input type="number" min={0} max={20} value={form.replicas} onChange={set('replicas')} />
        </label>
        <label>
          Memory limit (MiB) <input type="number" min={16} value={form.memoryMb} onChange={set('memoryMb')} />
        </label>
        <label>
          CPUs <input type="number" min={0.05} step={0.05} value={form.cpus} onChange={set('cpus')} />
        </label>
        <label>
          Health check path <input value={form.path} onChange={set('path')} />
        </label>
        <label>
          Port inside the container <input type="number" min={1} max={65535} value={form.port} onChange={set('port')} />
        </label>
        <div className="row">
          <button type="submit" className="primary" disabled={!operate.allowed} title={operate.title}>
            Save
          </button>
          {saved && (
            <span className="ok" role="status">
              Saved. A new replica count takes effect within a minute; Scale on Overview applies it now.
            </span>
          )}
        </div>
      </form>
      <div className="card stack">
        <h2>Push webhook (GitHub / GitLab)</h2>
        {hook ? (
          <>
            {Object.entries(hook.urls).map(([k, u]) => (
              <div key={k}>
                <span className="muted">{k}: </span>
                <code>{u}</code>
              </div>
            ))}
            <div>
              <span className="muted">Secret: </span>
              <code>{hook.secret ?? 'none: webhooks are refused'}</code>
            </div>
          </>
        ) : (
          <button
            type="button"
            disabled={!administer.allowed}
            title={administer.title}
            onClick={() => void attempt(async () => setHook(await api<WebhookInfo>('GET', `/apps/${app.name}/webhook-secret`)))}
          >
            Show webhook URL and secret
          </button>
        )}
        <div className="row">
          <button
            type="button"
            disabled={!administer.allowed}
            title={administer.title}
            onClick={() => void attempt(async () => setHook(await api<WebhookInfo>('POST', `/apps/${app.name}/webhook-secret`, {})))}
          >
            Generate a new secret
          </button>
        </div>
      </div>
      {administer.allowed && <Collaborators app={app} onChange={onChange} />}
      <Transfer app={app} onChange={onChange} />
      <AppNotifications app={app} />
      <ErrorLine error={error} />
      <form
        className="card stack danger-zone"
        aria-label="Delete the app"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(async () => {
            await api('DELETE', `/apps/${app.name}`);
            navigate('/');
          });
        }}
      >
        <h2>Delete this app</h2>
        <p>Its containers, routes, env vars and repository go away. This cannot be undone.</p>
        <label>
          Type <strong>{app.name}</strong> to confirm{' '}
          <input value={confirm} disabled={!administer.allowed} title={administer.title} onChange={(e) => setConfirm(e.target.value)} />
        </label>
        <button type="submit" className="danger" disabled={!administer.allowed || confirm !== app.name} title={administer.title}>
          Delete {app.name}
        </button>
      </form>
    </div>
  );
}
