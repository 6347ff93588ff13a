// A socket must not outlive its credential: rooms joined with an access token would otherwise
// keep streaming after the token expired, and those joined with an API token after it was
// revoked. An access JWT ends the socket at its `exp`; every credential (API tokens above all,
// which never expire on their own) is looked up again on a timer and on every subscribe. The
// same timer re-authorizes the socket's rooms (server.ts): access to an app can end too.
import { decodeJwt } from 'jose';
import type { Socket } from 'socket.io';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { ControlDeps } from '../server/deps.js';
import type { User } from '../store/types.js';

/** The event a socket receives right before the server ends it; the dashboard shows `message`. */
export const SESSION_END = 'session:end';
export const RECHECK_MS = 60_000;
// setTimeout fires at once beyond 2^31-1 ms; the recheck covers anything that far away.
const MAX_DELAY_MS = 2_147_483_647;

export const expiredError = (): DeployFlowError =>
  new DeployFlowError('DF_ERR_INVALID_TOKEN', 'The access token expired; refresh the session to reconnect');
export const revokedError = (): DeployFlowError =>
  new DeployFlowError('DF_ERR_INVALID_TOKEN', 'The credential is no longer valid (revoked, expired or its user removed)');

/** When a verified credential stops being valid on its own (epoch ms); null for opaque API tokens. */
export function credentialExpiry(token: string): number | null {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Tells the client why, then leaves the namespace: the client does not retry on its own with the dead credential. */
export function endSession(socket: Socket, err: DeployFlowError): void {
  if (!socket.connected) return;
  socket.emit(SESSION_END, { code: err.code, message: err.message });
  socket.disconnect();
}

export interface GuardedSession {
  user: User;
  token: string;
  expiresAt: number | null;
}

/**
 * Starts the expiry timer and the periodic lookup for one socket; returns the cleanup for its
 * disconnect. After each lookup that finds the credential still valid (and `data.user` updated),
 * `recheckRooms` asks again whether that user may still see what the socket subscribed to.
 */
export function guardSession(
  socket: Socket,
  data: GuardedSession,
  deps: ControlDeps,
  recheckMs = RECHECK_MS,
  recheckRooms?: () => Promise<void>,
): () => void {
  const timers: NodeJS.Timeout[] = [];
  if (data.expiresAt !== null) {
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, data.expiresAt - deps.clock()));
    timers.push(setTimeout(() => endSession(socket, expiredError()), delay));
  }
  let checking = false;
  timers.push(
    setInterval(() => {
      if (checking) return;
      checking = true;
      deps.tokens
        .userForCredential(data.token)
        .then(async (user) => {
          if (!user) return endSession(socket, revokedError());
          data.user = user;
          if (recheckRooms && socket.connected) await recheckRooms();
        })
        .catch(() => undefined /* the store being away is not a revocation; the next round asks again */)
        .finally(() => {
          checking = false;
        });
    }, recheckMs),
  );
  for (const t of timers) t.unref();
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
