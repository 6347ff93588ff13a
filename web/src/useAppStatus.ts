// An app's status (GET /apps/:name/status), kept current without a reload: fetched again when
// one of its deployments changes status (the realtime `status` stream), and every 15 s while
// the tab is visible, which catches a stop, start or scale done elsewhere (those send no event);
// an operation done in this browser is announced to its other tabs at once (BroadcastChannel).
// A reply that arrives after a newer one (or after `set`) is dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api';
import type { AppStatus } from './types';
import { useAppStream } from './useRealtime';

export const STATUS_POLL_MS = 15_000;

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('deployflow.app-status') : null;

/** Tells this browser's other tabs that `app` changed (they fetch its status again). */
export function announceChange(app: string): void {
  channel?.postMessage({ app });
}

export function useAppStatus(app: string): {
  status: AppStatus | null;
  refresh: () => void;
  set: (s: AppStatus) => void;
  hold: (on: boolean) => void;
} {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const latest = useRef(0);
  const held = useRef(false);
  const refresh = useCallback(() => {
    const n = ++latest.current;
    void api<AppStatus>('GET', `/apps/${encodeURIComponent(app)}/status`).then(
      (s) => {
        if (n === latest.current && !held.current) setStatus(s);
      },
      () => undefined,
    );
  }, [app]);
  const set = useCallback((s: AppStatus) => {
    latest.current += 1;
    setStatus(s);
  }, []);
  const hold = useCallback((on: boolean) => {
    held.current = on;
  }, []);
  useEffect(() => {
    setStatus(null);
    refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, STATUS_POLL_MS);
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') refresh();
    };
    const onAnnounce = (e: MessageEvent<{ app?: string }>): void => {
      if (e.data.app === app) refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    channel?.addEventListener('message', onAnnounce);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      channel?.removeEventListener('message', onAnnounce);
    };
  }, [app, refresh]);
  // Bursts of deployment events (queued → building → deploying → running) cost one fetch each
  // at most every half second.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (pending.current) clearTimeout(pending.current);
    },
    [],
  );
  useAppStream(app, 'status', 'deployment:status', () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      refresh();
    }, 500);
  });
  return { status, refresh, set, hold };
}

/** Healthy running replicas of a status. */
export function runningReplicas(s: AppStatus): number {
  return s.replicas.filter((r) => r.healthy !== false && r.state === 'running').length;
}
