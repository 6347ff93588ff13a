// The app's collaborators (owner or admin only): listed, added by e-mail, removed. The app view
// carries only user ids; an admin can read every user's e-mail (GET /users), and others see the
// e-mails they added from this browser (remembered locally) and an id for the rest.
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { useMe } from '../../access';
import { ErrorLine } from '../../components/ui';
import type { AppInfo } from '../../types';

const KNOWN = 'deployflow.knownEmails';

function knownEmails(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(KNOWN) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

function remember(id: string, email: string): void {
  localStorage.setItem(KNOWN, JSON.stringify({ ...knownEmails(), [id]: email }));
}

export default function Collaborators({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const me = useMe();
  const [emails, setEmails] = useState<Record<string, string>>(knownEmails);
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  useEffect(() => {
    if (me?.role !== 'admin') return;
    void api<{ id: string; email: string }[]>('GET', '/users').then((users) => {
      setEmails((e) => ({ ...e, ...Object.fromEntries(users.map((u) => [u.id, u.email])) }));
    }, () => undefined);
  }, [me?.role, app.collaboratorIds]);
  const label = (id: string): string => emails[id] ?? (id === me?.id ? me.email : `user ${id}`);
  const add = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy('add');
    setError(null);
    setResult(null);
    try {
      const address = email.trim().toLowerCase();
      const updated = await api<AppInfo>('POST', `/apps/${encodeURIComponent(app.name)}/collaborators`, { email: address });
      const added = updated.collaboratorIds.find((id) => !app.collaboratorIds.includes(id));
      if (added) {
        remember(added, address);
        setEmails((m) => ({ ...m, [added]: address }));
        setResult(`Added ${address}.`);
      } else {
        setResult(`${address} is already the owner or a collaborator.`);
      }
      setEmail('');
      onChange();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  const remove = async (id: string): Promise<void> => {
    setBusy(id);
    setError(null);
    setResult(null);
    try {
      await api('DELETE', `/apps/${encodeURIComponent(app.name)}/collaborators/${encodeURIComponent(id)}`);
      setResult(`Removed ${label(id)}.`);
      onChange();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="card stack" aria-label="Collaborators">
      <h2>Collaborators</h2>
      <p className="muted">Collaborators deploy and operate the app (viewers among them only look); only the owner or an admin deletes it or manages this list.</p>
      {app.collaboratorIds.length === 0
        ? <p className="muted">No collaborators yet.</p>
        : (
          <ul className="list">
            {app.collaboratorIds.map((id) => (
              <li key={id} className="row">
                <span className="grow">{label(id)}</span>
                <button type="button" className="small danger" aria-label={`Remove ${label(id)}`} disabled={busy !== null} onClick={() => void remove(id)}>
                  {busy === id ? 'Removing…' : 'Remove'}
                </button>
              </li>
            ))}
          </ul>
        )}
      <form className="row wrap" aria-label="Add a collaborator" onSubmit={(e) => void add(e)}>
        <label className="grow">Collaborator e-mail <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required placeholder="teammate@example.com" /></label>
        <button type="submit" disabled={busy !== null}>{busy === 'add' ? 'Adding…' : 'Add collaborator'}</button>
      </form>
      {result && <p className="ok" role="status">{result}</p>}
      <ErrorLine error={error} />
    </section>
  );
}
