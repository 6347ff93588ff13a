// Sign in / register. A Google button when the server has Google login configured; coming back
// from Google (`?login=google`) trades the one-time cookie for a session, and `?loginError=`
// shows why that failed.
import { useEffect, useState } from 'react';
import { api, errorText, session, type Session } from '../api';
import { ErrorLine } from '../components/ui';

export default function Login() {
  const [mode, setMode] = useState<'login' | 'register'>('login');
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
      void api<Session>('POST', '/auth/google/exchange').then((s) => { history.replaceState(null, '', '/'); session.set(s); }, (err: unknown) => setError(errorText(err)));
    }
    if (loginError) history.replaceState(null, '', '/');
  }, []);
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      const body = mode === 'register' ? { email, password, ...(name ? { name } : {}) } : { email, password };
      session.set(await api<Session>('POST', `/auth/${mode}`, body));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <main className="login">
      <h1>DeployFlow</h1>
      <form onSubmit={(e) => void submit(e)} className="card stack" aria-label={mode === 'login' ? 'Sign in' : 'Register'}>
        <h2>{mode === 'login' ? 'Sign in' : 'Create an account'}</h2>
        {mode === 'register' && <label>Name <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" /></label>}
        <label>Email <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" /></label>
        <label>Password <input type="password" required minLength={mode === 'register' ? 8 : 1} value={password} onChange={(e) => setPassword(e.target.value)} autoComplete={mode === 'login' ? 'current-password' : 'new-password'} /></label>
        <ErrorLine error={error} />
        <button type="submit" className="primary">{mode === 'login' ? 'Sign in' : 'Register'}</button>
        {config?.google && <a className="button google" href="/api/v1/auth/google">Sign in with Google</a>}
        {(config?.registrationOpen ?? true) && (
          <button type="button" className="link" onClick={() => { setMode(mode === 'login' ? 'register' : 'login'); setError(null); }}>
            {mode === 'login' ? 'No account? Register' : 'Have an account? Sign in'}
          </button>
        )}
      </form>
    </main>
  );
}
