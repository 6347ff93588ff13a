// Status (kept live), URL, the Operate controls (scale, restart, stop/start), and the exact git
// commands to push to this app.
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { useCan } from '../../access';
import { CopyButton, ErrorLine, Status } from '../../components/ui';
import { announceChange, runningReplicas, useAppStatus } from '../../useAppStatus';
import type { AppInfo, AppStatus } from '../../types';

function Command({ text, label }: { text: string; label: string }) {
  return (
    <div className="command">
      <code>{text}</code>
      <CopyButton text={text} label={label} />
    </div>
  );
}

export default function Overview({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const live = useAppStatus(app.name);
  const { status } = live;
  return (
    <div className="stack">
      <div className="card grid2" aria-label="App status" role="group">
        <div>
          <div className="muted">Status</div>
          <span data-testid="app-state">
            <Status status={status?.state ?? '…'} />
          </span>
        </div>
        <div>
          <div className="muted">URL</div>
          <a href={app.url} target="_blank" rel="noreferrer noopener">
            {app.url}
          </a>
        </div>
        <div>
          <div className="muted">Replicas</div>
          <span data-testid="replicas">{status ? `${runningReplicas(status)} / ${app.replicas}` : app.replicas}</span>
        </div>
        <div>
          <div className="muted">Deploy branch</div>
          {app.deployBranch}
        </div>
      </div>
      <Operate app={app} status={status} live={live} onChange={onChange} />
      <div className="card stack">
        <h2>Push with git</h2>
        <p className="muted">Over HTTP, use any user name and an API token (Account page) as the password.</p>
        <Command text={`git remote add deployflow ${app.gitUrls.http}`} label="Copy the HTTP remote command" />
        <p className="muted">Or over SSH with a key registered on the Account page:</p>
        <Command text={`git remote add deployflow ${app.gitUrls.ssh}`} label="Copy the SSH remote command" />
        <Command text={`git push deployflow ${app.deployBranch}`} label="Copy the push command" />
      </div>
    </div>
  );
}

type Action = 'scale' | 'restart' | 'stop' | 'start';
const PROGRESS: Record<Action, string> = {
  scale: 'Scaling: waiting for the replicas to be healthy…',
  restart: 'Restarting: each replica is replaced by a healthy new one…',
  stop: 'Stopping: unpublishing, draining requests, stopping the containers…',
  start: 'Starting: waiting for the replicas to be healthy…',
};

function Operate({
  app,
  status,
  live,
  onChange,
}: {
  app: AppInfo;
  status: AppStatus | null;
  live: ReturnType<typeof useAppStatus>;
  onChange: () => void;
}) {
  const { allowed, title } = useCan(app, 'operate');
  const [replicas, setReplicas] = useState(app.replicas);
  const [busy, setBusy] = useState<Action | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmStop, setConfirmStop] = useState(false);
  useEffect(() => setReplicas(app.replicas), [app.replicas]);
  // Stopped by its owner, or scaled to 0 (the API does not tell them apart): Start brings it back.
  const stopped = status?.state === 'stopped';
  const run = async (action: Action): Promise<void> => {
    setBusy(action);
    setError(null);
    setResult(null);
    setConfirmStop(false);
    live.hold(true);
    try {
      const path = `/apps/${encodeURIComponent(app.name)}/${action}`;
      const s = await api<AppStatus>('POST', path, action === 'scale' ? { replicas } : undefined);
      live.set(s);
      announceChange(app.name);
      const n = runningReplicas(s);
      setResult(
        {
          scale: `Scaled to ${replicas} replica${replicas === 1 ? '' : 's'}; ${n} running.`,
          restart: `Restarted; ${n} replica${n === 1 ? '' : 's'} running.`,
          stop: 'Stopped: the gateway answers 503 until you start the app.',
          start: `Started; ${n} replica${n === 1 ? '' : 's'} running.`,
        }[action],
      );
      if (action === 'scale') onChange();
    } catch (err) {
      setError(errorText(err));
      live.refresh();
    } finally {
      live.hold(false);
      setBusy(null);
    }
  };
  const off = !allowed || busy !== null;
  const validReplicas = Number.isInteger(replicas) && replicas >= 0 && replicas <= 20;
  return (
    <section className="card stack" aria-label="Operate">
      <h2>Operate</h2>
      <div className="row wrap">
        <form
          className="row"
          aria-label="Scale"
          onSubmit={(e) => {
            e.preventDefault();
            void run('scale');
          }}
        >
          <button
            type="button"
            aria-label="One replica fewer"
            title={title}
            disabled={off || replicas <= 0}
            onClick={() => setReplicas((r) => Math.max(0, r - 1))}
          >
            −
          </button>
          <label className="sr-only" htmlFor="operate-replicas">
            Replicas
          </label>
          <input
            id="operate-replicas"
            className="stepper"
            type="number"
            min={0}
            max={20}
            value={replicas}
            title={title}
            disabled={off}
            onChange={(e) => setReplicas(Math.trunc(Number(e.target.value)))}
          />
          <button
            type="button"
            aria-label="One replica more"
            title={title}
            disabled={off || replicas >= 20}
            onClick={() => setReplicas((r) => Math.min(20, r + 1))}
          >
            +
          </button>
          <button type="submit" className="primary" title={title} disabled={off || !validReplicas}>
            {busy === 'scale' ? 'Scaling…' : 'Scale'}
          </button>
        </form>
        <button type="button" title={title} disabled={off} onClick={() => void run('restart')}>
          {busy === 'restart' ? 'Restarting…' : 'Restart'}
        </button>
        {stopped ? (
          <button type="button" title={title} disabled={off} onClick={() => void run('start')}>
            {busy === 'start' ? 'Starting…' : 'Start'}
          </button>
        ) : (
          <button type="button" className="danger" title={title} disabled={off || confirmStop} onClick={() => setConfirmStop(true)}>
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
        )}
      </div>
      {confirmStop && (
        <div className="row wrap confirm" role="group" aria-label="Confirm stop">
          <span>Stop {app.name}? Its URL answers 503 until you start it again.</span>
          <button type="button" className="danger" disabled={off} onClick={() => void run('stop')}>
            Stop {app.name}
          </button>
          <button type="button" onClick={() => setConfirmStop(false)}>
            Cancel
          </button>
        </div>
      )}
      {!allowed && <p className="muted">{title}</p>}
      {busy && (
        <p className="muted" role="status">
          {PROGRESS[busy]}
        </p>
      )}
      {!busy && result && (
        <p className="ok" role="status">
          {result}
        </p>
      )}
      <ErrorLine error={error} />
    </section>
  );
}
