// A real OpenID Connect provider (oidc-provider) on loopback, standing in for Google in tests:
// authorization code + PKCE, client_secret_post at the token endpoint, and a userinfo endpoint
// at `/userinfo` (passport-google-oauth20 parses OpenID profiles only from a path ending in
// /userinfo). Its development login form signs in as whatever subject is typed; `accounts`
// says which email, and whether it is verified, each subject has.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import type { TestBrowser } from './browser.js';

export interface TestAccount {
  email: string;
  emailVerified: boolean;
  name: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** GOOGLE_* variables pointing control at this provider. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestProvider(port: number, redirectUri: string, accounts: Record<string, TestAccount>): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'deployflow-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    async findAccount(_ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: account.email, email_verified: account.emailVerified, name: account.name }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    // Insist on PKCE, so the test proves control sends a verifier that matches its challenge.
    pkce: { required: () => true },
    routes: { userinfo: '/userinfo' },
    cookies: { keys: [randomBytes(32).toString('hex')] },
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    issuer,
    clientId,
    clientSecret,
    env: {
      GOOGLE_CLIENT_ID: clientId,
      GOOGLE_CLIENT_SECRET: clientSecret,
      GOOGLE_AUTH_URL: `${issuer}/auth`,
      GOOGLE_TOKEN_URL: `${issuer}/token`,
      GOOGLE_USERINFO_URL: `${issuer}/userinfo`,
      GOOGLE_CALLBACK_URL: redirectUri,
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Follows redirects from `url`, filling in the provider's login (as `sub`) and consent forms like
 * a person would, until the browser is sent to `landingOrigin`'s root; returns that URL.
 * `atCallback` may rewrite the redirect to control's callback (to tamper with it).
 */
export async function signInAtProvider(
  b: TestBrowser,
  url: URL,
  sub: string,
  landingOrigin: string,
  atCallback?: (callback: URL) => URL,
): Promise<URL> {
  for (let hop = 0; hop < 20; hop += 1) {
    if (url.origin === landingOrigin && url.pathname === '/') return url;
    if (atCallback && url.pathname.endsWith('/auth/google/callback')) url = atCallback(url);
    let res = await b.request(url.toString());
    if (res.status === 200) {
      const html = await res.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`no provider form at ${url.pathname}`);
      res = await b.request(new URL(action, url).toString(), {
        form: prompt === 'login' ? { prompt, login: sub, password: 'anything' } : { prompt },
      });
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) throw new Error(`redirect expected at ${url.pathname}, got ${res.status}`);
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}
