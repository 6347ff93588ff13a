// The page a password reset link opens (`/reset-password#token=…`): the token stays in the
// fragment, so it never reaches a server log; it is sent once, with the new password.
import { useState } from 'react';
import { api, errorText } from '../api';
import { ErrorLine } from '../components/ui';

export default function ResetPassword() {
  // Read once: the fragment is cleared from the address bar after the reset, and the page must
  // not then say the link had no token.
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="login">
      <h1>DeployFlow</h1>
      <form
        className="card stack"
        aria-label="Choose a new password"
        onSubmit={(e) => {
          e.preventDefault();
          api<{ message: string }>('POST', '/auth/password-reset', { token, newPassword: password }).then(
            (r) => {
              setDone(r.message);
              setError(null);
              history.replaceState(null, '', '/reset-password');
            },
            (err: unknown) => setError(errorText(err)),
          );
        }}
      >
        <h2>Choose a new password</h2>
        {!token && <p className="muted">This link has no token: open the link from the e-mail, or ask an admin for a new one.</p>}
        <label>
          New password{' '}
          <input
            type="password"
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
          />
        </label>
        <ErrorLine error={error} />
        {done ? (
          <p role="status">
            {done} <a href="/">Sign in</a>
          </p>
        ) : (
          <button type="submit" className="primary" disabled={!token}>
            Set the password
          </button>
        )}
      </form>
    </main>
  );
}
