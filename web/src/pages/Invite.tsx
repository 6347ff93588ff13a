// The page an invitation link opens (`/invite#token=…`; the token stays in the fragment, so it
// never reaches a server log). It shows what the invitation offers; signed out, choosing a
// password makes the account (and signs it in); signed in as the invited address, one click adds
// the collaboration. Someone who already has an account signs in here first.
import { useEffect, useState } from 'react';
import { api, errorText, session, type Session } from '../api';
import { ErrorLine } from '../components/ui';
import { navigate } from '../router';
import Login from './Login';

interface Offer {
  email: string;
  role: string | null;
  app: string | null;
  invitedByEmail: string;
  expiresAt: number;
}
interface Accepted {
  kind: 'account' | 'collaboration';
  app: string | null;
  session: Session | null;
}

function tokenOf(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) return fromHash;
  const segment = location.pathname.split('/')[2];
  return segment ? decodeURIComponent(segment) : '';
}

export default function Invite({ current }: { current: Session | null }) {
  const [token] = useState(tokenOf);
  const [offer, setOffer] = useState<Offer | null>(null);
  const [signIn, setSignIn] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!token) return;
    api<Offer>('POST', '/invitations/inspect', { token }).then(setOffer, (err: unknown) => setError(errorText(err)));
  }, [token]);
  const accept = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      const body = current ? { token } : { token, password, ...(name ? { name } : {}) };
      const done = await api<Accepted>('POST', '/invitations/accept', body);
      if (done.session) session.set(done.session);
      navigate(done.app ? `/apps/${encodeURIComponent(done.app)}` : '/', true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const what =
    offer &&
    (offer.app ? (
      <>
        to work on the app <strong>{offer.app}</strong>
      </>
    ) : (
      <>
        to DeployFlow as <strong>{offer.role}</strong>
      </>
    ));
  return (
    <main className="login">
      <h1>DeployFlow</h1>
      <form className="card stack" aria-label="Accept the invitation" onSubmit={(e) => void accept(e)}>
        <h2>Invitation</h2>
        {!token && <p className="muted">This link has no token: open the link from the invitation as it was sent.</p>}
        {offer && (
          <p data-testid="invitation-offer">
            {offer.invitedByEmail} invited <strong>{offer.email}</strong> {what}. The link works once, until{' '}
            {new Date(offer.expiresAt).toLocaleDateString()}.
          </p>
        )}
        {offer && current && current.user.email !== offer.email && (
          <p className="muted">
            You are signed in as {current.user.email}; this invitation is for {offer.email}. Sign out, or sign in with that address, to
            accept it.
          </p>
        )}
        {offer && current && !offer.app && current.user.email === offer.email && (
          <p className="muted">You already have an account: this invitation was for a new one, and there is nothing left to accept.</p>
        )}
        {offer && !current && (
          <>
            <label>
              Name <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
            </label>
            <label>
              Choose a password{' '}
              <input
                type="password"
                required
                minLength={8}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                autoComplete="new-password"
              />
            </label>
          </>
        )}
        <ErrorLine error={error} />
        {offer && (!current || offer.app) && (
          <button type="submit" className="primary">
            {current ? `Accept as ${current.user.email}` : 'Create the account and accept'}
          </button>
        )}
        {offer && !current && offer.app && (
          <button type="button" className="link" onClick={() => setSignIn(!signIn)}>
            Already have an account? Sign in to accept
          </button>
        )}
      </form>
      {signIn && !current && <Login />}
    </main>
  );
}
