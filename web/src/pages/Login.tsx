// Sign in / register (`/register` opens on the form, so the link can be shared), with the code
// of two-factor sign-in when the account has it and a "forgot password" request. A Google button
// when the server has Google login configured; coming back from Google (`?login=google`) trades
// the one-time cookie for a session, and `?loginError=` shows why that failed.
import { useEffect, useState } from 'react';
import { api, ApiError, errorText, session, type Session } from '../api';
import { ErrorLine } from '../components/ui';

export default function Login({ initialMode = 'login' }: { initialMode?: 'login' | 'register' }) {
  const [mode, setMode] = useState<'login' | 'register' | 'forgot'>(initialMode);
  const [needCode, setNeedCode] = useState(false);
  const [code, setCode] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [config, setConfig] = useState<{ registrationOpen: boolean; google: boolean } | null>(null);
  useEffect(() => {
    void api<{ registrationOpen: boolean; google: boolean }>('GET', '/auth/config').then(setConfig, () => undefined);
    const params = new URLSearchParams(location.search);
    const loginError = params.get('loginError');
    if (loginError) setError(`Google sign-in failed (${loginError.replace(/[^A-Z_]/g, '')})`);
    if (params.get('login') === 'google') {
      void api<Session>('POST', '/auth/google/exchange').then(
        (s) => {
          history.replaceState(null, '', '/');
          session.set(s);
        },
        (err: unknown) => setError(errorText(err)),
      );
    }
    if (loginError) history.replaceState(null, '', '/');
  }, []);
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      if (mode === 'forgot') {
        setNotice((await api<{ message: string }>('POST', '/auth/password-reset/request', { email })).message);
        return;
      }
      const body =
        mode === 'register' ? { email, password, ...(name ? { name } : {}) } : { email, password, ...(needCode ? { code } : {}) };
      session.set(await api<Session>('POST', `/auth/${mode}`, body));
      if (location.pathname === '/register') history.replaceState(null, '', '/');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'DF_ERR_SECOND_FACTOR_REQUIRED') {
        setNeedCode(true);
        return;
      }
      setError(errorText(err));
    }
  };
  if (mode === 'forgot') {
    return (
      <main className="login">
        <h1>DeployFlow</h1>
        <form onSubmit={(e) => void submit(e)} className="card stack" aria-label="Reset your password">
          <h2>Reset your password</h2>
          <label>
            Email <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
          </label>
          <ErrorLine error={error} />
          {notice && <p role="status">{notice}</p>}
          <button type="submit" className="primary">
            E-mail me a reset link
          </button>
          <p className="muted">No e-mail on this platform? An admin can make you a reset link.</p>
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode('login');
              setNotice(null);
              setError(null);
            }}
          >
            Back to sign in
          </button>
        </form>
      </main>
    );
  }
  return (
    <main className="login">
      <h1>DeployFlow</h1>
      <form onSubmit={(e) => void submit(e)} className="card stack" aria-label={mode === 'login' ? 'Sign in' : 'Register'}>
        <h2>{mode === 'login' ? 'Sign in' : 'Create an account'}</h2>
        {mode === 'register' && (
          <label>
            Name <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          </label>
        )}
        <label>
          Email <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
        </label>
        <label>
          Password{' '}
          <input
            type="password"
            required
            minLength={mode === 'register' ? 8 : 1}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          />
        </label>
        {mode === 'login' && needCode && (
          <label>
            Authenticator code (or a recovery code)
            <input
              value={code}
              onChange={(e) => setCode(e.target.value)}
              required
              autoComplete="one-time-code"
              inputMode="numeric"
              autoFocus
            />
          </label>
        )}
        <ErrorLine error={error} />
        <button type="submit" className="primary">
          {mode === 'login' ? 'Sign in' : 'Register'}
        </button>
        {mode === 'login' && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode('forgot');
              setError(null);
            }}
          >
            Forgot your password?
          </button>
        )}
        {config?.google && (
          <a className="button google" href="/api/v1/auth/google">
            Sign in with Google
          </a>
        )}
        {(config?.registrationOpen ?? true) && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === 'login' ? 'register' : 'login');
              setError(null);
            }}
          >
            {mode === 'login' ? 'No account? Register' : 'Have an account? Sign in'}
          </button>
        )}
      </form>
    </main>
  );
}
