// Google login end to end against a real OpenID Connect provider (oidc-provider on loopback):
// control redirects to it, the test signs in on its login and consent forms like a browser,
// control's callback links or creates the account, and the one-time code becomes a session. It
// asks no second factor (an account with two-factor sign-in on still signs in with Google) and
// gives a disabled account nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { TestBrowser } from './support/browser.js';
import { Client, startTestControl, type TestControl } from './support/control.js';
import { signInAtProvider, startTestProvider, type TestAccount, type TestProvider } from './support/oidc-provider.js';
import { freePort } from './support/ports.js';

const ACCOUNTS: Record<string, TestAccount> = {
  'g-alice': { email: 'alice@example.test', emailVerified: true, name: 'Alice' },
  'g-bob': { email: 'Bob@Example.test', emailVerified: true, name: 'Bob' },
  'g-mallory': { email: 'carol@example.test', emailVerified: false, name: 'Mallory' },
  'g-dave': { email: 'dave@example.test', emailVerified: true, name: 'Dave' },
};

let provider: TestProvider;
let control: TestControl;
const browsers: TestBrowser[] = [];
const issuedTokens: string[] = [];

function browser(): TestBrowser {
  const b = new TestBrowser();
  browsers.push(b);
  return b;
}

/** Starts a login at control, signs in at the provider, and returns where control sends the browser. */
async function googleLogin(b: TestBrowser, sub: string, atCallback?: (callback: URL) => URL): Promise<URL> {
  const start = await b.request(`${control.url}/api/v1/auth/google`);
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get('location')!);
  assert.equal(authorize.origin + authorize.pathname, `${provider.issuer}/auth`);
  assert.ok(authorize.searchParams.get('state'), 'the authorization request carries a state');
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  return signInAtProvider(b, authorize, sub, control.url, atCallback);
}

async function exchange(b: TestBrowser): Promise<Response> {
  return b.request(`${control.url}/api/v1/auth/google/exchange`, { method: 'POST' });
}

async function signIn(sub: string): Promise<{ user: { id: string; email: string; role: string; google: boolean }; accessToken: string }> {
  const b = browser();
  const landed = await googleLogin(b, sub);
  assert.equal(landed.toString(), `${control.url}/?login=google`);
  const res = await exchange(b);
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    user: { id: string; email: string; role: string; google: boolean };
    accessToken: string;
    refreshToken: string;
  };
  issuedTokens.push(body.accessToken, body.refreshToken);
  return body;
}

describe('Google login against a real OpenID Connect provider', () => {
  before(async () => {
    const [controlPort, providerPort] = [await freePort(), await freePort()];
    const callback = `http://127.0.0.1:${controlPort}/api/v1/auth/google/callback`;
    provider = await startTestProvider(providerPort, callback, ACCOUNTS);
    control = await startTestControl({
      ...provider.env,
      CONTROL_PORT: String(controlPort),
      DEPLOYFLOW_PUBLIC_URL: `http://127.0.0.1:${controlPort}`,
    });
    assert.equal(control.url, `http://127.0.0.1:${controlPort}`);
  });

  after(async () => {
    await control?.stop();
    await provider?.stop();
  });

  it('creates the first account as admin, and the exchanged token works on /auth/me', async () => {
    const { user, accessToken } = await signIn('g-alice');
    assert.deepEqual([user.email, user.role, user.google], ['alice@example.test', 'admin', true]);
    const me = await new Client(control.url, accessToken).get('/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.id, user.id);
  });

  it('signs the same Google account in to the same user', async () => {
    const first = await signIn('g-alice');
    const second = await signIn('g-alice');
    assert.equal(second.user.id, first.user.id);
  });

  it('sets the code in a short-lived HttpOnly cookie that works once only', async () => {
    const b = browser();
    await googleLogin(b, 'g-alice');
    const code = b.cookie(control.url, 'df_google_code');
    assert.ok(code);
    const line = b.setCookieLines.find((l) => l.startsWith('df_google_code='))!;
    assert.match(line, /HttpOnly/);
    assert.match(line, /SameSite=Lax/);
    assert.match(line, /Path=\/api\/v1\/auth\/google(;|$)/);
    assert.match(line, /Max-Age=60(;|$)/);
    assert.equal((await exchange(b)).status, 200);
    assert.equal(b.cookie(control.url, 'df_google_code'), undefined, 'the exchange clears the cookie');
    const replay = browser();
    replay.setCookie(control.url, 'df_google_code', code);
    const again = await exchange(replay);
    assert.equal(again.status, 401);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'DF_ERR_INVALID_TOKEN');
    assert.equal((await exchange(browser())).status, 401, 'no cookie, no session');
  });

  it('links an existing password account when Google has verified its email', async () => {
    const registered = await new Client(control.url).post('/api/v1/auth/register', {
      email: 'bob@example.test',
      password: 'correct horse battery',
    });
    assert.equal(registered.status, 201);
    const { user } = await signIn('g-bob');
    assert.equal(user.id, registered.body.user.id);
    assert.equal(user.google, true);
    const login = await new Client(control.url).post('/api/v1/auth/login', {
      email: 'bob@example.test',
      password: 'correct horse battery',
    });
    assert.equal(login.body.user.id, user.id, 'the password still works');
  });

  it('does not link an account when the Google email is unverified', async () => {
    const registered = await new Client(control.url).post('/api/v1/auth/register', {
      email: 'carol@example.test',
      password: 'correct horse battery',
    });
    assert.equal(registered.status, 201);
    const landed = await googleLogin(browser(), 'g-mallory');
    assert.equal(landed.searchParams.get('loginError'), 'DF_ERR_EMAIL_TAKEN');
    const carol = await new Client(control.url, registered.body.accessToken).get('/api/v1/auth/me');
    assert.equal(carol.body.google, false);
  });

  it('refuses a tampered, missing or foreign state', async () => {
    const tampered = await googleLogin(browser(), 'g-alice', (cb) => {
      const state = cb.searchParams.get('state')!;
      cb.searchParams.set('state', (state[0] === 'A' ? 'B' : 'A') + state.slice(1));
      return cb;
    });
    assert.equal(tampered.searchParams.get('loginError'), 'DF_ERR_INVALID_TOKEN');
    const missing = await googleLogin(browser(), 'g-alice', (cb) => {
      cb.searchParams.delete('state');
      return cb;
    });
    assert.equal(missing.searchParams.get('loginError'), 'DF_ERR_INVALID_TOKEN');
    // Login CSRF: a callback URL from someone else's login, opened in a browser with no state cookie.
    let stolen: URL | undefined;
    const victim = browser();
    await googleLogin(browser(), 'g-alice', (cb) => {
      stolen = new URL(cb);
      cb.searchParams.delete('code');
      return cb;
    });
    const res = await victim.request(stolen!.toString());
    assert.equal(res.headers.get('location'), `${control.url}/?loginError=DF_ERR_INVALID_TOKEN`);
    assert.equal(victim.cookie(control.url, 'df_google_code'), undefined);
  });

  it('respects closed registration for new Google users', async () => {
    const admin = await signIn('g-alice');
    const admins = new Client(control.url, admin.accessToken);
    assert.equal((await admins.patch('/api/v1/settings', { registrationOpen: false })).status, 200);
    const landed = await googleLogin(browser(), 'g-dave');
    assert.equal(landed.searchParams.get('loginError'), 'DF_ERR_REGISTRATION_CLOSED');
    assert.equal((await signIn('g-bob')).user.email, 'bob@example.test', 'existing users still sign in');
    await admins.patch('/api/v1/settings', { registrationOpen: true });
  });

  it('asks no second factor of Google sign-in, and refuses it to a disabled account', async () => {
    const password = await new Client(control.url).post('/api/v1/auth/login', {
      email: 'bob@example.test',
      password: 'correct horse battery',
    });
    const bob = new Client(control.url, password.body.accessToken);
    const secret = (await bob.post('/api/v1/auth/2fa/setup', { password: 'correct horse battery' })).body.secret as string;
    const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate();
    assert.equal((await bob.post('/api/v1/auth/2fa/confirm', { code })).status, 200);
    const withoutCode = await new Client(control.url).post('/api/v1/auth/login', {
      email: 'bob@example.test',
      password: 'correct horse battery',
    });
    assert.equal(withoutCode.body.error.code, 'DF_ERR_SECOND_FACTOR_REQUIRED', 'the password sign-in now wants a code');
    const viaGoogle = await signIn('g-bob');
    assert.equal(
      (await new Client(control.url, viaGoogle.accessToken).get('/api/v1/auth/me')).body.email,
      'bob@example.test',
      'Google sign-in is unaffected',
    );

    const admin = new Client(control.url, (await signIn('g-alice')).accessToken);
    assert.equal((await admin.post(`/api/v1/users/${viaGoogle.user.id}/disable`)).status, 200);
    const b = browser();
    const landed = await googleLogin(b, 'g-bob');
    const res = await exchange(b);
    const refusal = landed.searchParams.get('loginError') ?? ((await res.json()) as { error?: { code?: string } }).error?.code;
    assert.equal(
      refusal,
      'DF_ERR_ACCOUNT_DISABLED',
      `a disabled account gets no session (landed on ${landed.toString()}, exchange ${res.status})`,
    );
    assert.notEqual(res.status, 200);
    assert.equal((await admin.post(`/api/v1/users/${viaGoogle.user.id}/enable`)).status, 200);
  });

  it('records auth.google audit events', async () => {
    const admin = new Client(control.url, (await signIn('g-alice')).accessToken);
    const events = (await admin.get('/api/v1/audit?action=auth.google&limit=500')).body as Array<{
      result: string;
      details: Record<string, unknown>;
    }>;
    const seen = new Set(events.map((e) => `${e.result}:${String(e.details.step)}:${String(e.details.outcome ?? e.details.error)}`));
    for (const expected of [
      'ok:callback:created',
      'ok:callback:linked',
      'ok:callback:existing',
      'ok:exchange:undefined',
      'error:callback:DF_ERR_EMAIL_TAKEN',
      'error:callback:DF_ERR_INVALID_TOKEN',
      'error:callback:DF_ERR_REGISTRATION_CLOSED',
      'error:exchange:DF_ERR_INVALID_TOKEN',
    ]) {
      assert.ok(seen.has(expected), `audit has ${expected}`);
    }
  });

  it('never put a token in any redirect Location', () => {
    const all = browsers.flatMap((b) => b.locations);
    assert.ok(all.length > 20 && issuedTokens.length > 10);
    for (const location of all) {
      assert.doesNotMatch(location, /[?&#](access_?token|refresh_?token|id_token|token)=/i);
      for (const token of issuedTokens) assert.ok(!location.includes(token), `token in ${location}`);
      if (location.startsWith(`${control.url}/?`)) assert.doesNotMatch(location, /[?&]code=/, 'the login code stays in its cookie');
    }
  });
});

describe('Google login when not configured', () => {
  it('answers 404 DF_ERR_GOOGLE_DISABLED', async () => {
    const plain = await startTestControl({ CONTROL_PORT: '0' });
    try {
      const res = await new Client(plain.url).get('/api/v1/auth/google');
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'DF_ERR_GOOGLE_DISABLED');
    } finally {
      await plain.stop();
    }
  });
});
