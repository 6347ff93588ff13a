// One app, in tabs. The Metrics tab (with the charting library) loads only when opened.
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText } from '../api';
import { ErrorLine } from '../components/ui';
import { Link } from '../router';
import type { AppInfo } from '../types';
import Overview from './app/Overview';
import Deployments from './app/Deployments';
import RuntimeLogs from './app/RuntimeLogs';
import Env from './app/Env';
import Domains from './app/Domains';
import Settings from './app/Settings';
import Edge from './app/Edge';
import { OwnerLine } from './app/Owner';

const Metrics = lazy(() => import('./app/Metrics'));
const TABS = ['overview', 'deployments', 'logs', 'metrics', 'environment', 'domains', 'edge', 'settings'] as const;

export default function AppDetail({ name, tab }: { name: string; tab: string }) {
  const [app, setApp] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api<AppInfo>('GET', `/apps/${encodeURIComponent(name)}`).then(setApp, (err: unknown) => setError(errorText(err)));
  }, [name]);
  useEffect(reload, [reload]);
  // On a phone the tab row scrolls sideways: keep the active tab in view (without moving the page).
  const tabs = useRef<HTMLElement>(null);
  useEffect(() => {
    const nav = tabs.current;
    const active = nav?.querySelector<HTMLElement>('a.active');
    if (!nav || !active) return;
    const n = nav.getBoundingClientRect();
    const a = active.getBoundingClientRect();
    if (a.left < n.left || a.right > n.right) nav.scrollLeft += a.left - n.left - (n.width - a.width) / 2;
  }, [tab, app]);
  if (error) return <ErrorLine error={error} />;
  if (!app) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>{app.name}</h1>
      <OwnerLine app={app} />
      <nav className="tabs" aria-label="App sections" ref={tabs}>
        {TABS.map((t) => (
          <Link key={t} to={`/apps/${app.name}/${t}`} className={t === tab ? 'active' : ''}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </Link>
        ))}
      </nav>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        {tab === 'overview' && <Overview app={app} onChange={reload} />}
        {tab === 'deployments' && <Deployments app={app} />}
        {tab === 'logs' && <RuntimeLogs app={app} />}
        {tab === 'metrics' && <Metrics app={app} />}
        {tab === 'environment' && <Env app={app} />}
        {tab === 'domains' && <Domains app={app} onChange={reload} />}
        {tab === 'edge' && <Edge app={app} onChange={reload} />}
        {tab === 'settings' && <Settings app={app} onChange={reload} />}
      </Suspense>
    </section>
  );
}
