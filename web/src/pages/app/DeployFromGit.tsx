// "Deploy from a Git URL": a first deploy (or any other) without git on this machine — the
// platform clones the repository at a branch, tag or commit, builds and releases it, and the
// Deployments list selects the new deployment so its build log streams below.
import { useState } from 'react';
import { api, errorText } from '../../api';
import { ErrorLine } from '../../components/ui';

export default function DeployFromGit({
  app,
  allowed,
  title,
  onStarted,
}: {
  app: string;
  allowed: boolean;
  title: string | undefined;
  onStarted: (id: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [gitUrl, setGitUrl] = useState('');
  const [ref, setRef] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open) {
    return (
      <div className="row">
        <button type="button" disabled={!allowed} title={title} onClick={() => setOpen(true)}>
          Deploy from a Git URL
        </button>
      </div>
    );
  }
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { gitUrl: gitUrl.trim(), ...(ref.trim() ? { ref: ref.trim() } : {}) };
      const started = await api<{ id: string }>('POST', `/apps/${encodeURIComponent(app)}/deployments`, body);
      setOpen(false);
      onStarted(started.id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card stack" aria-label="Deploy from a Git URL" onSubmit={(e) => void submit(e)}>
      <label>
        Repository URL (http or https, public){' '}
        <input
          type="url"
          required
          value={gitUrl}
          onChange={(e) => setGitUrl(e.target.value)}
          placeholder="https://github.com/you/app.git"
        />
      </label>
      <label>
        Branch, tag or commit <input value={ref} onChange={(e) => setRef(e.target.value)} placeholder="the app's deploy branch" />
      </label>
      <ErrorLine error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Deploy'}
        </button>
        <button type="button" className="link" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
