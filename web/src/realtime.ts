// One Socket.IO connection per tab. The token is read at every (re)connect, so a refreshed
// access token is used; an expired one triggers a refresh and a new attempt. Subscriptions are
// re-sent after each reconnect by the hooks in useRealtime.ts.
import { io, type Socket } from 'socket.io-client';
import { refreshSession, session } from './api';

let socket: Socket | null = null;

export function getSocket(): Socket {
  if (socket) return socket;
  const s = io({
    auth: (cb) => cb({ token: session.get()?.accessToken ?? '' }),
    transports: ['websocket', 'polling'],
  });
  s.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code === 'DF_ERR_INVALID_TOKEN') {
      void refreshSession().then((ok) => { if (ok) s.connect(); });
    }
  });
  socket = s;
  return s;
}

export function closeSocket(): void {
  socket?.close();
  socket = null;
}

export interface Ack { ok: boolean; error?: { code: string; message: string }; replayed?: number; status?: string }

export function subscribe(payload: Record<string, unknown>): Promise<Ack> {
  return getSocket().timeout(10_000).emitWithAck('subscribe', payload) as Promise<Ack>;
}

export function unsubscribe(payload: Record<string, unknown>): void {
  getSocket().emit('unsubscribe', payload);
}
