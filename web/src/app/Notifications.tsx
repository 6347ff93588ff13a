// The notification centre (bell with the unread count, a list, mark all read) and the toasts
// that pop up when a deployment starts, succeeds or fails while the dashboard is open.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { Link } from '../router';
import { ago } from '../components/ui';
import { useSocketEvent } from '../useRealtime';

export interface Note {
  id: string;
  kind: string;
  app: string | null;
  deploymentId: string | null;
  message: string;
  createdAt: number;
  readAt: number | null;
}

const MAX_TOASTS = 3;

export default function Notifications() {
  const [items, setItems] = useState<Note[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [toasts, setToasts] = useState<Note[]>([]);
  const load = useCallback(() => {
    void api<{ items: Note[]; unread: number }>('GET', '/notifications?limit=30').then(
      (r) => {
        setItems(r.items);
        setUnread(r.unread);
      },
      () => undefined,
    );
  }, []);
  useEffect(load, [load]);
  useSocketEvent<Note>('notification', (n) => {
    setItems((list) => [n, ...list].slice(0, 30));
    setUnread((u) => u + 1);
    // At most three toasts at a time: a burst of deploys shows the newest, not a pile.
    setToasts((t) => [...t, n].slice(-MAX_TOASTS));
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== n.id)), 8000);
  });
  const markAll = (): void => {
    void api<{ unread: number }>('POST', '/notifications/read', {}).then(
      (r) => {
        setUnread(r.unread);
        load();
      },
      () => undefined,
    );
  };
  return (
    <div className="notes">
      <button
        type="button"
        className="bell"
        aria-label={`Notifications, ${unread} unread`}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 && (
          <span className="count" data-testid="unread">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <section className="notes-panel" aria-label="Notification centre">
          <div className="row between">
            <strong>Notifications</strong>
            <button type="button" className="small" onClick={markAll}>
              Mark all read
            </button>
          </div>
          {items.length === 0 && <p className="muted">Nothing yet.</p>}
          <ul>
            {items.map((n) => (
              <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
                <span className={`dot kind-${n.kind.replace('.', '-')}`} aria-hidden="true" />
                {n.app ? (
                  <Link to={`/apps/${n.app}/deployments`} onNavigate={() => setOpen(false)}>
                    {n.message}
                  </Link>
                ) : (
                  n.message
                )}
                <small className="muted"> {ago(n.createdAt)}</small>
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast kind-${t.kind.replace('.', '-')}`} role="status">
            {t.message}
          </div>
        ))}
      </div>
    </div>
  );
}
