// A stateless passport-oauth2 state store: there is no express-session, and several control
// instances may serve one login, so the state travels in a cookie signed with HMAC-SHA256 and
// bound to the `state` query parameter. The cookie also carries the PKCE verifier; it is the
// browser's own secret for this login, never the provider's, so signing (not encrypting) is
// enough. Expiry and single use keep a leaked state from being replayed.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Config } from '../../../common/config/config.js';
import { loadOrCreateSecret } from '../../../common/secrets/secrets.js';
import { STATE_COOKIE, clearCookie, cookieOptions, readCookie } from './cookies.js';

export const STATE_TTL_MS = 10 * 60 * 1000;

/** Marks a refusal as a state problem, so the router can tell it from a user who said no. */
export const STATE_REFUSED = 'state';

interface StatePayload {
  s: string; // the state sent to the provider
  v: string | null; // PKCE verifier
  e: number; // expires at, epoch ms
}

/** The same key on every instance: derived from the shared JWT secret, or kept in the data dir. */
export function stateKey(config: Config): Buffer {
  if (config.jwtSecret) return Buffer.from(hkdfSync('sha256', config.jwtSecret, '', 'deployflow google oauth state', 32));
  return loadOrCreateSecret(config.dataDir, 'google-oauth-state');
}

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type StoreCallback = (err: Error | null, state?: string) => void;
type VerifyCallback = (err: Error | null, ok: string | boolean, info?: { message: string; refused: string }) => void;

export class SignedCookieStateStore {
  constructor(
    private readonly config: Config,
    private readonly key: Buffer,
    private readonly clock: () => number,
  ) {}

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  /** passport-oauth2 calls this with five arguments when PKCE is on. */
  store(req: Request, verifier: string | undefined, _state: unknown, _meta: unknown, callback: StoreCallback): void {
    const res = req.res;
    if (!res) {
      callback(new Error('no response to set the state cookie on'));
      return;
    }
    const payload: StatePayload = { s: randomBytes(24).toString('base64url'), v: verifier ?? null, e: this.clock() + STATE_TTL_MS };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    res.cookie(STATE_COOKIE, `${body}.${this.sign(body)}`, cookieOptions(this.config, STATE_TTL_MS));
    callback(null, payload.s);
  }

  /** Returns the PKCE verifier (or true) when the cookie is genuine, fresh and matches `state`. */
  verify(req: Request, providedState: unknown, _meta: unknown, callback: VerifyCallback): void {
    // Single use: whatever the outcome, this login attempt's cookie is spent.
    if (req.res) clearCookie(req.res, this.config, STATE_COOKIE);
    const refuse = (message: string) => callback(null, false, { message, refused: STATE_REFUSED });
    const cookie = readCookie(req, STATE_COOKIE);
    if (typeof providedState !== 'string' || providedState === '') return refuse('The login request carries no state');
    if (!cookie) return refuse('The login state cookie is missing; start the login again');
    const [body, signature, extra] = cookie.split('.');
    if (!body || !signature || extra !== undefined || !sameBytes(signature, this.sign(body)))
      return refuse('The login state cookie is not genuine');
    let payload: StatePayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    } catch {
      return refuse('The login state cookie is not genuine');
    }
    if (typeof payload.e !== 'number' || payload.e <= this.clock()) return refuse('The login took too long; start it again');
    if (typeof payload.s !== 'string' || !sameBytes(payload.s, providedState)) return refuse('The login state does not match');
    callback(null, typeof payload.v === 'string' ? payload.v : true);
  }
}
