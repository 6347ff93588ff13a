// The passport strategy for Google: passport-google-oauth20 with PKCE (S256) and our stateless
// signed-cookie state store, no sessions. Its verify step only maps the Google identity to a
// DeployFlow account; issuing the session happens later, at the one-time code exchange.
import passport from 'passport';
import { Strategy as GoogleStrategy, type Profile, type StrategyOptions, type VerifyCallback } from 'passport-google-oauth20';
import type { StateStore } from 'passport-oauth2';
import type { GoogleConfig } from '../../../common/config/config.js';
import type { ControlDeps } from '../../server/deps.js';
import { identityFromProfile, resolveGoogleUser } from './account.js';
import { SignedCookieStateStore, stateKey } from './state-store.js';

export const STRATEGY = 'google';

class GoogleLoginStrategy extends GoogleStrategy {
  constructor(options: StrategyOptions, verify: (a: string, r: string, p: Profile, done: VerifyCallback) => void) {
    super(options, verify);
    // node-oauth puts the access token in the userinfo URL's query string unless told otherwise;
    // tokens travel in headers only (and providers log URLs).
    this._oauth2.useAuthorizationHeaderforGET(true);
  }
}

export function googleAuthenticator(deps: ControlDeps, google: GoogleConfig): passport.Authenticator {
  const stateStore = new SignedCookieStateStore(deps.config, stateKey(deps.config), deps.clock);
  const strategy = new GoogleLoginStrategy(
    {
      clientID: google.clientId,
      clientSecret: google.clientSecret,
      authorizationURL: google.authorizationURL,
      tokenURL: google.tokenURL,
      userProfileURL: google.userProfileURL,
      callbackURL: google.callbackURL,
      scope: ['openid', 'email', 'profile'],
      pkce: true,
      // The typings know only the 2-4 argument store; passport-oauth2 calls the 5-argument
      // (PKCE) form by arity, which is what SignedCookieStateStore implements.
      store: stateStore as unknown as StateStore,
    },
    (_accessToken, _refreshToken, profile, done) => {
      // A promise chain, so a profile we refuse (no email) is an error result, not a throw.
      Promise.resolve(profile)
        .then((p) => resolveGoogleUser(deps.store, identityFromProfile(p)))
        .then(
          ({ user, outcome }) => done(null, user, { outcome }),
          (err: unknown) => done(err as Error),
        );
    },
  );
  // Our own instance, not passport's global one: dependencies are passed in, never shared.
  const authenticator = new passport.Authenticator();
  authenticator.use(STRATEGY, strategy);
  return authenticator;
}
