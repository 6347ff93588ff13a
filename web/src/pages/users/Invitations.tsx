// Admin: invite someone to the platform by e-mail with a role, see the invitations still pending
// (to the platform and to apps), resend them with a new link, and revoke them. Without SMTP the link comes back once, to pass on.
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api';
import { ErrorLine } from '../../components/ui';

interface Pending {
  id: string;
  email: string;
  role: string | null;
  app: string | null;
  expiresAt: number;
}
interface Sent {
  message: string;
  url: string | null;
}

export default function Invitations({ onChange }: { onChange?: () => void }) {
  const [pending, setPending] = useState<Pending[]>([]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('developer');
  const [sent, setSent] = useState<Sent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    api<Pending[]>('GET', '/invitations').then(setPending, (err: unknown) => setError(errorText(err)));
  };
  useEffect(load, []);
  const invite = (e: React.FormEvent): void => {
    e.preventDefault();
    setError(null);
    api<Sent>('POST', '/invitations', { email: email.trim(), role }).then(
      (s) => {
        setSent(s);
        setEmail('');
        load();
        onChange?.();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  const revoke = (p: Pending): void => {
    setError(null);
    api('DELETE', `/invitations/${encodeURIComponent(p.id)}`).then(
      () => {
        setSent({ message: `Invitation to ${p.email} revoked.`, url: null });
        load();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  // A new link replaces the old one (e-mailed again, or shown once here without SMTP).
  const resend = (p: Pending): void => {
    setError(null);
    api<Sent>('POST', `/invitations/${encodeURIComponent(p.id)}/resend`).then(
      (s) => {
        setSent(s);
        load();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };
  return (
    <section className="card stack" aria-label="Invitations">
      <h2>Invitations</h2>
      <form className="row wrap" aria-label="Invite someone" onSubmit={invite}>
        <label className="grow">
          E-mail to invite{' '}
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder="new.colleague@example.com" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="developer">developer</option>
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Invite</button>
      </form>
      {sent && (
        <p className="ok" role="status">
          {sent.message}
        </p>
      )}
      {sent?.url && (
        <p className="stack">
          <small className="muted">No e-mail is configured: pass this link on yourself (shown once, it works once).</small>
          <code data-testid="invitation-link">{sent.url}</code>
        </p>
      )}
      <ErrorLine error={error} />
      {pending.length === 0 ? (
        <p className="muted">No invitation is pending.</p>
      ) : (
        <table className="table" aria-label="Pending invitations">
          <thead>
            <tr>
              <th>Email</th>
              <th>For</th>
              <th className="hide-sm">Until</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {pending.map((p) => (
              <tr key={p.id}>
                <td>{p.email}</td>
                <td>{p.app ? `app ${p.app}` : p.role}</td>
                <td className="hide-sm">{new Date(p.expiresAt).toLocaleDateString()}</td>
                <td className="row">
                  <button type="button" className="small" aria-label={`Resend the invitation to ${p.email}`} onClick={() => resend(p)}>
                    Resend
                  </button>
                  <button type="button" className="small" aria-label={`Revoke the invitation to ${p.email}`} onClick={() => revoke(p)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
