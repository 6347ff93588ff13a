// The shell: signed out → the sign-in page; signed in → navigation, notification centre,
// toasts, and the page for the current path. Pages other than the apps list load on demand.
import { lazy, Suspense, useEffect, useState } from 'react';
import { api, session, type Session } from '../api';
import { closeSocket } from '../realtime';
import { Link, match, navigate, usePath } from '../router';
import Login from '../pages/Login';
import ResetPassword from '../pages/ResetPassword';
import Invite from '../pages/Invite';
import Apps from '../pages/Apps';
import Notifications from './Notifications';
import { useSocketNotice } from '../useRealtime';

const AppDetail = lazy(() => import('../pages/AppDetail'));
const Audit = lazy(() => import('../pages/Audit'));
const Users = lazy(() => import('../pages/Users'));
const Account = lazy(() => import('../pages/Account'));
const System = lazy(() => import('../pages/System'));
const Teams = lazy(() => import('../pages/Teams'));

function Page({ path, user }: { path: string; user: Session['user'] }) {
  let m: Record<string, string> | null;
  if ((m = match('/apps/:name/:tab?', path))) return <AppDetail name={m.name!} tab={m.tab ?? 'overview'} />;
  if ((m = match('/teams/:id?', path))) return <Teams id={m.id ?? null} />;
  if (match('/audit', path)) return <Audit />;
  if (match('/account', path)) return <Account />;
  if (match('/admin/users', path) && user.role === 'admin') return <Users />;
  if (match('/admin/system', path) && user.role === 'admin') return <System />;
  return <Apps />;
}

export default function App() {
  const [current, setCurrent] = useState<Session | null>(session.get());
  const path = usePath();
  const [menu, setMenu] = useState(false);
  const liveNotice = useSocketNotice();
  useEffect(() => session.subscribe(setCurrent), []);
  useEffect(() => {
    if (!current) closeSocket();
  }, [current]);
  useEffect(() => setMenu(false), [path]);
  if (path === '/reset-password') return <ResetPassword />;
  // Signed in or not: a new account accepts there, and so does an existing one once signed in.
  if (path === '/invite' || path.startsWith('/invite/')) return <Invite current={current} />;
  if (!current) return <Login initialMode={path === '/register' ? 'register' : 'login'} />;
  const logout = (): void => {
    void api('POST', '/auth/logout', { refreshToken: current.refreshToken })
      .catch(() => undefined)
      .finally(() => {
        session.set(null);
        navigate('/', true);
      });
  };
  return (
    <div className="shell">
      <header className="top">
        <Link to="/" className="brand">
          DeployFlow
        </Link>
        <button type="button" className="menu-toggle" aria-expanded={menu} aria-label="Menu" onClick={() => setMenu(!menu)}>
          ☰
        </button>
        <nav className={menu ? 'open' : ''} aria-label="Main">
          <Link to="/">Apps</Link>
          <Link to="/teams">Teams</Link>
          <Link to="/audit">Activity</Link>
          <Link to="/account">Account</Link>
          {current.user.role === 'admin' && (
            <>
              <Link to="/admin/users">Users</Link>
              <Link to="/admin/system">System</Link>
            </>
          )}
          <button type="button" className="link" onClick={logout}>
            Sign out
          </button>
        </nav>
        <Notifications />
      </header>
      <main>
        {liveNotice && (
          <p className="muted" role="status" data-testid="live-notice">
            {liveNotice}
          </p>
        )}
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Page path={path} user={current.user} />
        </Suspense>
      </main>
    </div>
  );
}
