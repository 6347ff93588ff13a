// The apps list: status, URL, last deploy and replicas of every app you may see, and the
// create-app dialog.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText } from '../api';
import { ErrorLine, Status, ago } from '../components/ui';
import { Link, navigate } from '../router';
import type { AppInfo, Deployment } from '../types';

interface Row { app: AppInfo; last: Deployment | null }

export default function Apps() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const apps = await api<AppInfo[]>('GET', '/apps');
      setRows(await Promise.all(apps.map(async (app) => ({ app, last: (await api<Deployment[]>('GET', `/apps/${app.name}/deployments`).catch(() => []))[0] ?? null }))));
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => { void load(); }, [load]);
  return (
    <section>
      <div className="row between">
        <h1>Apps</h1>
        <CreateApp />
      </div>
      <ErrorLine error={error} />
      {rows && rows.length === 0 && <p className="muted">No apps yet. Create one, then push to it with git.</p>}
      {rows && rows.length > 0 && (
        <table className="table">
          <thead><tr><th>App</th><th>Status</th><th className="hide-sm">URL</th><th>Last deploy</th><th className="hide-sm">Replicas</th></tr></thead>
          <tbody>
            {rows.map(({ app, last }) => (
              <tr key={app.name}>
                <td><Link to={`/apps/${app.name}`}>{app.name}</Link></td>
                <td><Status status={last?.status ?? 'new'} /></td>
                <td className="hide-sm"><a href={app.url} target="_blank" rel="noreferrer noopener">{app.url}</a></td>
                <td>{ago(last?.createdAt)}</td>
                <td className="hide-sm">{app.replicas}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CreateApp() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      const app = await api<AppInfo>('POST', '/apps', { name });
      dialog.current?.close();
      navigate(`/apps/${app.name}`);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <>
      <button type="button" className="primary" onClick={() => { setError(null); dialog.current?.showModal(); }}>New app</button>
      <dialog ref={dialog} aria-label="Create an app">
        <form onSubmit={(e) => void submit(e)} className="stack">
          <h2>Create an app</h2>
          <label>App name <input value={name} onChange={(e) => setName(e.target.value.toLowerCase())} required pattern="[a-z][a-z0-9\-]{0,61}[a-z0-9]" placeholder="my-shop" /></label>
          <small className="muted">Lowercase letters, digits and hyphens; it becomes part of the app's URL.</small>
          <ErrorLine error={error} />
          <div className="row">
            <button type="submit" className="primary">Create</button>
            <button type="button" onClick={() => dialog.current?.close()}>Cancel</button>
          </div>
        </form>
      </dialog>
    </>
  );
}
