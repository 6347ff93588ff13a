// Status, URL, and the exact git commands to push to this app.
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { CopyButton, Status } from '../../components/ui';
import type { AppInfo, AppStatus } from '../../types';

function Command({ text, label }: { text: string; label: string }) {
  return <div className="command"><code>{text}</code><CopyButton text={text} label={label} /></div>;
}

export default function Overview({ app }: { app: AppInfo }) {
  const [status, setStatus] = useState<AppStatus | null>(null);
  useEffect(() => { void api<AppStatus>('GET', `/apps/${app.name}/status`).then(setStatus, () => undefined); }, [app.name]);
  return (
    <div className="stack">
      <div className="card grid2">
        <div><div className="muted">Status</div><Status status={status?.state ?? 'new'} /></div>
        <div><div className="muted">URL</div><a href={app.url} target="_blank" rel="noreferrer noopener">{app.url}</a></div>
        <div><div className="muted">Replicas</div>{status ? `${status.replicas.filter((r) => r.healthy !== false && r.state === 'running').length} / ${app.replicas}` : app.replicas}</div>
        <div><div className="muted">Deploy branch</div>{app.deployBranch}</div>
      </div>
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
