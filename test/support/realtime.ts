// A Socket.IO client for tests: connects with a token in the handshake (as the dashboard does)
// and collects what the server sends, so a test can wait for the n-th event of a kind.
import { io, type Socket } from 'socket.io-client';

export interface Collected {
  socket: Socket;
  events: Map<string, unknown[]>;
  /** Resolves with the first `count` events of `name` once that many have arrived. */
  waitFor<T = any>(name: string, count?: number, timeoutMs?: number): Promise<T[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  request<T = any>(event: string, payload: unknown): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): void;
}

const KINDS = ['deployment:log', 'deployment:status', 'app:log', 'app:metrics', 'notification'];

export function connectSocket(url: string, token: string | undefined): Promise<Collected> {
  const socket = io(url, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const events = new Map<string, unknown[]>(KINDS.map((k) => [k, []]));
  for (const k of KINDS) socket.on(k, (payload: unknown) => events.get(k)!.push(payload));
  const collected: Collected = {
    socket,
    events,
    async waitFor(name, count = 1, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while ((events.get(name)?.length ?? 0) < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} ${name} (got ${events.get(name)?.length ?? 0})`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return events.get(name)!.slice(0, count) as never;
    },
    request: (event, payload) => socket.timeout(5000).emitWithAck(event, payload),
    close: () => {
      socket.close();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(collected));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.close();
      reject(Object.assign(new Error(err.message), { code: err.data?.code }));
    });
  });
}
