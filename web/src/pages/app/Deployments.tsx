// Deployment history (status, duration, commit), rollback, redeploy and deploy from a Git URL, and the selected
// deployment's log, live, under a failure's DF_ERR_* code and message. New deployments appear as their status
// changes arrive.
import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { useCan } from '../../access';
import LogViewer from '../../components/LogViewer';
import DeployFromGit from './DeployFromGit';
import { ErrorLine, Status, ago, duration } from '../../components/ui';
import { useAppStream, useDeploymentLog } from '../../useRealtime';
import type { AppInfo, Deployment } from '../../types';

export default function Deployments({ app }: { app: AppInfo }) {
  const [list, setList] = useState<Deployment[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { allowed, title } = useCan(app, 'operate');
  const load = useCallback(() => {
    api<Deployment[]>('GET', `/apps/${app.name}/deployments`).then(
      (l) => {
        setList(l);
        setSelected((s) => s ?? l[0]?.id ?? null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [app.name]);
  useEffect(load, [load]);
  useAppStream<Deployment>(app.name, 'status', 'deployment:status', (d) => {
    setList((l) => {
      if (!l.some((x) => x.id === d.id)) {
        setSelected(d.id);
        return [d, ...l];
      }
      return l.map((x) => (x.id === d.id ? d : x));
    });
  });
  const act = async (path: string, body: unknown): Promise<void> => {
    setError(null);
    try {
      const r = await api<{ id: string }>('POST', `/apps/${app.name}/${path}`, body);
      setSelected(r.id);
      load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const log = useDeploymentLog(selected);
  const current = list.find((d) => d.id === selected);
  return (
    <div className="stack">
      <div className="row">
        <button type="button" disabled={!allowed} title={title} onClick={() => void act('deployments', {})}>
          Redeploy
        </button>
        <button type="button" disabled={!allowed} title={title} onClick={() => void act('rollback', {})}>
          Roll back
        </button>
      </div>
      <DeployFromGit
        app={app.name}
        allowed={allowed}
        title={title}
        onStarted={(id) => {
          setSelected(id);
          load();
        }}
      />
      <ErrorLine error={error} />
      <table className="table deployments">
        <thead>
          <tr>
            <th>Status</th>
            <th>Commit</th>
            <th className="hide-sm">Source</th>
            <th>Started</th>
            <th className="hide-sm">Took</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={d.id} className={d.id === selected ? 'selected' : ''} onClick={() => setSelected(d.id)}>
              <td>
                <Status status={d.status} />
              </td>
              <td>
                <code>{d.commit?.slice(0, 7) ?? d.image?.slice(0, 24) ?? '—'}</code>
              </td>
              <td className="hide-sm">{d.source}</td>
              <td>{ago(d.createdAt)}</td>
              <td className="hide-sm">{duration(d.createdAt, d.finishedAt)}</td>
              <td>
                {d.status === 'superseded' && d.image && (
                  <button
                    type="button"
                    className="small"
                    disabled={!allowed}
                    title={title}
                    onClick={(e) => {
                      e.stopPropagation();
                      void act('rollback', { deploymentId: d.id });
                    }}
                  >
                    Roll back to this
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.length === 0 && <p className="muted">No deployments yet: push with git (see Overview), or deploy from a Git URL.</p>}
      {current && (
        <div className="stack">
          <h2>
            Log of {current.commit?.slice(0, 7) ?? current.id.slice(0, 8)} <Status status={current.status} />
          </h2>
          {current.error && (
            <p className="error">
              {current.errorCode && <code>{current.errorCode}</code>} {current.error}
            </p>
          )}
          <ErrorLine error={log.error} />
          <LogViewer lines={log.lines} version={log.version} label="Deployment log" />
        </div>
      )}
    </div>
  );
}
