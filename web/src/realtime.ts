// One Socket.IO connection per tab. The token is read at every (re)connect, so a refreshed
// access token is used; an expired one triggers a refresh and a new attempt. The server ends a
// socket whose credential expired or was revoked (`session:end`, then a namespace disconnect,
// after which the client does not retry by itself): the reason is shown, the session refreshed,
// and the socket reconnected with the new token. Subscriptions are re-sent after each reconnect
// by the hooks in useRealtime.ts.
import { io, type Socket } from 'socket.io-client';
import { refreshSession, session } from './api';

let socket: Socket | null = null;
let notice: string | null = null;
const noticeListeners = new Set<(n: string | null) => void>();
// A server that keeps ending fresh sessions (clock skew, a removed user) is not hammered.
const RETRY_GAP_MS = 10_000;

function setNotice(n: string | null): void {
  notice = n;
  for (const l of noticeListeners) l(n);
}

/** Why live updates stopped, while they are stopped (null when connected or never ended). */
export function socketNotice(): string | null {
  return notice;
}

export function onSocketNotice(l: (n: string | null) => void): () => void {
  noticeListeners.add(l);
  return () => {
    noticeListeners.delete(l);
  };
}

export function getSocket(): Socket {
  if (socket) return socket;
  const s = io({
    auth: (cb) => cb({ token: session.get()?.accessToken ?? '' }),
    transports: ['websocket', 'polling'],
  });
  let lastRetry = 0;
  const reconnectWithFreshToken = (): void => {
    const wait = Date.now() - lastRetry < RETRY_GAP_MS ? RETRY_GAP_MS : 0;
    lastRetry = Date.now() + wait;
    setTimeout(() => {
      void refreshSession().then((ok) => {
        if (ok && socket === s) s.connect();
      });
    }, wait);
  };
  s.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code === 'DF_ERR_INVALID_TOKEN') reconnectWithFreshToken();
  });
  s.on('session:end', (e: { code?: string; message?: string }) => {
    setNotice(`Live updates paused: ${e.message ?? 'the session ended'}. Reconnecting…`);
  });
  // Access to an app ended while watching it (removed as a collaborator, the app deleted): the
  // server left those rooms; say why the page went quiet.
  s.on('subscription:end', (e: { app?: string; message?: string }) => {
    setNotice(`Live updates${e.app ? ` for ${e.app}` : ''} stopped: ${e.message ?? 'you may no longer see this app'}`);
  });
  s.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') reconnectWithFreshToken();
  });
  s.on('connect', () => setNotice(null));
  socket = s;
  return s;
}

export function closeSocket(): void {
  socket?.close();
  socket = null;
  setNotice(null);
}

export interface Ack {
  ok: boolean;
  error?: { code: string; message: string };
  replayed?: number;
  status?: string;
}

export function subscribe(payload: Record<string, unknown>): Promise<Ack> {
  return getSocket().timeout(10_000).emitWithAck('subscribe', payload) as Promise<Ack>;
}

export function unsubscribe(payload: Record<string, unknown>): void {
  getSocket().emit('unsubscribe', payload);
}
