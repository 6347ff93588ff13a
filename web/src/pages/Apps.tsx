// The apps list: state (running, stopped, deploying…), URL, last deploy and replicas of every
// app you may see, kept current without a reload, and the create-app dialog (yours, or a team's).
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText } from '../api';
import { useMe, useMyTeams, whyNotCreate } from '../access';
import { ErrorLine, Status, ago } from '../components/ui';
import { Link, navigate } from '../router';
import { runningReplicas, STATUS_POLL_MS, useAppStatus } from '../useAppStatus';
import type { AppInfo } from '../types';

export default function Apps() {
  const [apps, setApps] = useState<AppInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setApps(await api<AppInfo[]>('GET', '/apps'));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  // The list itself (apps created, deleted or shared with you elsewhere) at the status pace.
  useEffect(() => {
    void load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  return (
    <section>
      <div className="row between">
        <h1>Apps</h1>
        <CreateApp />
      </div>
      <ErrorLine error={error} />
      {apps && apps.length === 0 && <p className="muted">No apps yet. Create one, then push to it with git.</p>}
      {apps && apps.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>App</th>
              <th>Status</th>
              <th className="hide-sm">URL</th>
              <th>Last deploy</th>
              <th className="hide-sm">Replicas</th>
            </tr>
          </thead>
          <tbody>
            {apps.map((app) => (
              <AppRow key={app.name} app={app} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AppRow({ app }: { app: AppInfo }) {
  const { status } = useAppStatus(app.name);
  return (
    <tr data-app={app.name}>
      <td>
        <Link to={`/apps/${app.name}`}>{app.name}</Link>
      </td>
      <td>
        <Status status={status?.state ?? '…'} />
      </td>
      <td className="hide-sm">
        <a href={app.url} target="_blank" rel="noreferrer noopener">
          {app.url}
        </a>
      </td>
      <td>{ago(status?.deployment?.createdAt)}</td>
      <td className="hide-sm">{status ? `${runningReplicas(status)} / ${app.replicas}` : app.replicas}</td>
    </tr>
  );
}

function CreateApp() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState('');
  const [team, setTeam] = useState('');
  const [error, setError] = useState<string | null>(null);
  const why = whyNotCreate(useMe());
  // A team's app from the start: the teams one may give an app to (as its admin or developer).
  const teams = useMyTeams().filter((t) => t.role !== 'viewer');
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      const app = await api<AppInfo>('POST', '/apps', team ? { name, team } : { name });
      dialog.current?.close();
      navigate(`/apps/${app.name}`);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <>
      <button
        type="button"
        className="primary"
        disabled={why !== null}
        title={why ?? undefined}
        onClick={() => {
          setError(null);
          dialog.current?.showModal();
        }}
      >
        New app
      </button>
      <dialog ref={dialog} aria-label="Create an app">
        <form onSubmit={(e) => void submit(e)} className="stack">
          <h2>Create an app</h2>
          <label>
            App name{' '}
            <input
              value={name}
              onChange={(e) => setName(e.target.value.toLowerCase())}
              required
              pattern="[a-z][a-z0-9\-]{0,61}[a-z0-9]"
              placeholder="my-shop"
            />
          </label>
          <small className="muted">Lowercase letters, digits and hyphens; it becomes part of the app's URL.</small>
          {teams.length > 0 && (
            <label>
              Owner{' '}
              <select value={team} onChange={(e) => setTeam(e.target.value)} aria-label="Owner">
                <option value="">You</option>
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    Team {t.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <ErrorLine error={error} />
          <div className="row">
            <button type="submit" className="primary">
              Create
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
