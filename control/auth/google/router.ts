// Google login for browsers, mounted under /api/v1 before JSON parsing (ControlAppOptions.rawRouters):
//   GET  /auth/google           → 302 to Google, with a signed state cookie (CSRF) and PKCE
//   GET  /auth/google/callback  → account lookup/link/creation → one-time code cookie →
//                                 302 to `${publicUrl}/?login=google` (or `?loginError=DF_ERR_…`)
//   POST /auth/google/exchange  → spends the code cookie once → {user, accessToken, refreshToken}
// Tokens never appear in a URL: the redirect carries neither a token nor the code.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { DeployFlowError, type ErrorCode } from '../../../common/errors/catalogue.js';
import type { ControlDeps } from '../../server/deps.js';
import type { User } from '../../store/types.js';
import { userView } from '../view.js';
import { auditGoogle } from './audit.js';
import { CODE_COOKIE, STATE_COOKIE, clearCookie, cookieOptions, readCookie } from './cookies.js';
import { CODE_TTL_MS, MemoryExchangeCodes, RedisExchangeCodes, type ExchangeCodes } from './exchange-codes.js';
import { STATE_REFUSED } from './state-store.js';
import { STRATEGY, googleAuthenticator } from './strategy.js';

/** Why the provider round trip failed, as a catalogue code the dashboard can show. */
function errorCode(deps: ControlDeps, err: unknown): ErrorCode {
  if (err instanceof DeployFlowError) return err.code;
  const name = (err as { name?: string } | null)?.name;
  // The provider refused the code (expired, replayed, PKCE mismatch) or reported an error.
  if (name === 'TokenError' || name === 'AuthorizationError') return 'DF_ERR_UNAUTHENTICATED';
  deps.log.warn({ err }, 'google login failed');
  return 'DF_ERR_UNAVAILABLE';
}

export function googleRouter(deps: ControlDeps): Router {
  const router = express.Router();
  const google = deps.config.google;
  if (!google) {
    router.use('/auth/google', (_req, _res, next) => next(new DeployFlowError('DF_ERR_GOOGLE_DISABLED')));
    return router;
  }
  const authenticator = googleAuthenticator(deps, google);
  const codes: ExchangeCodes = deps.redis ? new RedisExchangeCodes(deps.redis) : new MemoryExchangeCodes(deps.clock);
  const home = deps.config.publicUrl;

  router.get('/auth/google', (req, res, next) => {
    // passport treats any request carrying `code` as a callback; the start URL must not.
    if (req.query.code !== undefined || req.query.error !== undefined) {
      next(new DeployFlowError('DF_ERR_VALIDATION', 'The Google login start takes no code'));
      return;
    }
    authenticator.authenticate(STRATEGY, { session: false })(req, res, next);
  });

  router.get('/auth/google/callback', (req, res, next) => {
    const refuse = async (code: ErrorCode, reason?: string): Promise<void> => {
      await auditGoogle(deps, req, {
        user: null,
        result: 'error',
        details: { step: 'callback', error: code, ...(reason ? { reason } : {}) },
      });
      // Also on paths where passport never reached the state store (provider error, no code).
      clearCookie(res, deps.config, STATE_COOKIE);
      res.redirect(302, `${home}/?loginError=${code}`);
    };
    // Without code or error passport would start a new login instead of finishing this one.
    if (typeof req.query.code !== 'string' && typeof req.query.error !== 'string') {
      refuse('DF_ERR_VALIDATION', 'callback without code').catch(next);
      return;
    }
    const finish = async (err: unknown, user: User | false, info: { outcome?: string; refused?: string; message?: string } | undefined) => {
      if (err) return refuse(errorCode(deps, err));
      if (!user) return refuse(info?.refused === STATE_REFUSED ? 'DF_ERR_INVALID_TOKEN' : 'DF_ERR_UNAUTHENTICATED', info?.message);
      const code = await codes.issue(user.id);
      res.cookie(CODE_COOKIE, code, cookieOptions(deps.config, CODE_TTL_MS));
      await auditGoogle(deps, req, { user, result: 'ok', details: { step: 'callback', outcome: info?.outcome ?? 'existing' } });
      res.redirect(302, `${home}/?login=google`);
    };
    authenticator.authenticate(STRATEGY, { session: false }, (err: unknown, user: User | false, info?: { outcome?: string }) => {
      finish(err, user, info).catch((failure: unknown) => refuse(errorCode(deps, failure)).catch(next));
    })(req, res, next);
  });

  router.post('/auth/google/exchange', (req: Request, res: Response, next: NextFunction) => {
    exchange(deps, codes, req, res).catch(next);
  });
  return router;
}

async function exchange(deps: ControlDeps, codes: ExchangeCodes, req: Request, res: Response): Promise<void> {
  const code = readCookie(req, CODE_COOKIE);
  clearCookie(res, deps.config, CODE_COOKIE);
  let user: User | null = null;
  try {
    const userId = code ? await codes.redeem(code) : null;
    user = userId ? await deps.store.users.get(userId) : null;
    if (!user) throw new DeployFlowError('DF_ERR_INVALID_TOKEN', 'The Google login code is missing, used or expired; sign in again');
    const session = await deps.tokens.startSession(user);
    await auditGoogle(deps, req, { user, result: 'ok', details: { step: 'exchange' } });
    res.json({ user: userView(user), ...session });
  } catch (err) {
    await auditGoogle(deps, req, { user, result: 'error', details: { step: 'exchange', error: errorCode(deps, err) } });
    throw err;
  }
}
