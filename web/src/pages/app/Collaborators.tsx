// The app's collaborators (owner or admin only): listed, invited by e-mail, removed, and the
// pending invitations (resent with a new link, or revoked). Inviting answers the same whether or not the address has an
// account, so the page says "invited" and the person appears once they accept. The app view
// carries only user ids; their e-mail addresses come from GET /apps/:name/collaborators.
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { useMe } from '../../access';
import { ErrorLine } from '../../components/ui';
import type { AppInfo } from '../../types';

interface Pending {
  id: string;
  email: string;
  expiresAt: number;
}

export default function Collaborators({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  const me = useMe();
  const [emails, setEmails] = useState<Record<string, string>>({});
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const base = `/apps/${encodeURIComponent(app.name)}`;
  const loadPending = (): void => {
    api<Pending[]>('GET', `${base}/invitations`).then(setPending, () => undefined);
  };
  useEffect(loadPending, [base, app.collaboratorIds]);
  useEffect(() => {
    void api<{ id: string; email: string }[]>('GET', `${base}/collaborators`).then(
      (users) => {
        setEmails(Object.fromEntries(users.map((u) => [u.id, u.email])));
      },
      () => undefined,
    );
  }, [base, app.collaboratorIds]);
  const label = (id: string): string => emails[id] ?? (id === me?.id ? me.email : `user ${id}`);
  const add = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy('add');
    setError(null);
    setResult(null);
    setLink(null);
    try {
      const sent = await api<{ message: string; url: string | null }>('POST', `${base}/collaborators`, {
        email: email.trim().toLowerCase(),
      });
      setResult(sent.message);
      setLink(sent.url);
      setEmail('');
      loadPending();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  const revoke = async (invitation: Pending): Promise<void> => {
    setBusy(invitation.id);
    setError(null);
    try {
      await api('DELETE', `/invitations/${encodeURIComponent(invitation.id)}`);
      setResult(`Invitation to ${invitation.email} revoked.`);
      setLink(null);
      loadPending();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };
  // A new link replaces the old one (e-mailed again, or shown once here without SMTP).
  const resend = async (invitation: Pending): Promise<void> => {
    setBusy(invitation.id);
    setError(null);
    try {
      const sent = await api<{ message: string; url: string | null }>('POST', `/invitations/${encodeURIComponent(invitation.id)}/resend`);
      setResult(sent.message);
      setLink(sent.url);
      loadPending();
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
      <p className="muted">
        Collaborators deploy and operate the app (viewers among them only look); only the owner or an admin deletes it or manages this list.
      </p>
      {app.collaboratorIds.length === 0 ? (
        <p className="muted">No collaborators yet.</p>
      ) : (
        <ul className="list">
          {app.collaboratorIds.map((id) => (
            <li key={id} className="row">
              <span className="grow">{label(id)}</span>
              <button
                type="button"
                className="small danger"
                aria-label={`Remove ${label(id)}`}
                disabled={busy !== null}
                onClick={() => void remove(id)}
              >
                {busy === id ? 'Removing…' : 'Remove'}
              </button>
            </li>
          ))}
        </ul>
      )}
      {pending.length > 0 && (
        <>
          <h3>Invited, not yet accepted</h3>
          <ul className="list" aria-label="Pending invitations">
            {pending.map((p) => (
              <li key={p.id} className="row">
                <span className="grow">
                  {p.email} <small className="muted">until {new Date(p.expiresAt).toLocaleDateString()}</small>
                </span>
                <button
                  type="button"
                  className="small"
                  aria-label={`Resend the invitation to ${p.email}`}
                  disabled={busy !== null}
                  onClick={() => void resend(p)}
                >
                  Resend
                </button>
                <button
                  type="button"
                  className="small"
                  aria-label={`Revoke the invitation to ${p.email}`}
                  disabled={busy !== null}
                  onClick={() => void revoke(p)}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <form className="row wrap" aria-label="Invite a collaborator" onSubmit={(e) => void add(e)}>
        <label className="grow">
          Collaborator e-mail{' '}
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required placeholder="teammate@example.com" />
        </label>
        <button type="submit" disabled={busy !== null}>
          {busy === 'add' ? 'Inviting…' : 'Invite collaborator'}
        </button>
      </form>
      {result && (
        <p className="ok" role="status">
          {result}
        </p>
      )}
      {link && (
        <p className="stack">
          <small className="muted">No e-mail is configured: pass this link on yourself (shown once, it works once).</small>
          <code data-testid="invitation-link">{link}</code>
        </p>
      )}
      <ErrorLine error={error} />
    </section>
  );
}
