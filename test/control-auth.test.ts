// Auth through real HTTP: register, login, refresh rotation and reuse detection, logout, API
// tokens, login rate limiting (in Redis), registration closing and roles.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';

describe('auth', () => {
  let control: TestControl;
  let redis: TestRedis;
  let admin: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    redis = await startRedis();
    control = await startTestControl({ REDIS_URL: redis.url });
    admin = await registerUser(control.url);
  });
  after(async () => {
    await control.stop();
    await redis.stop();
  });

  it('makes the first user admin and later ones developers', async () => {
    assert.equal((await admin.get('/api/v1/auth/me')).body.role, 'admin');
    const dev = await registerUser(control.url);
    const me = await dev.get('/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.role, 'developer');
    assert.equal(me.body.passwordHash, undefined);
  });

  it('refuses a duplicate email in any case, and bad input, with DF_ERR codes', async () => {
    const anon = new Client(control.url);
    const dup = await anon.post('/api/v1/auth/register', { email: admin.email.toUpperCase(), password: 'another password' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'DF_ERR_EMAIL_TAKEN');
    const short = await anon.post('/api/v1/auth/register', { email: 'x@example.test', password: 'short' });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.code, 'DF_ERR_VALIDATION');
    assert.equal(
      (await anon.post('/api/v1/auth/login', { email: 'x@example.test', password: 'short' })).body.error.code,
      'DF_ERR_INVALID_CREDENTIALS',
    );
  });

  it('logs in and rejects a wrong password with the same error as an unknown email', async () => {
    const anon = new Client(control.url);
    const ok = await anon.post('/api/v1/auth/login', { email: admin.email, password: 'correct horse battery' });
    assert.equal(ok.status, 200);
    assert.ok(ok.body.accessToken && ok.body.refreshToken);
    const wrong = await anon.post('/api/v1/auth/login', { email: admin.email, password: 'wrong password!' });
    const unknown = await anon.post('/api/v1/auth/login', { email: 'nobody@example.test', password: 'wrong password!' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('rotates refresh tokens and revokes the whole family when an old one is reused', async () => {
    const user = await registerUser(control.url);
    const anon = new Client(control.url);
    const first = await anon.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.refreshToken, user.refreshToken);
    const second = await anon.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    assert.equal(second.status, 200);
    // The first token was already rotated: presenting it again is a theft signal.
    const reuse = await anon.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error.code, 'DF_ERR_REFRESH_REUSED');
    // ...and the newest token of that family is now dead too.
    const latest = await anon.post('/api/v1/auth/refresh', { refreshToken: second.body.refreshToken });
    assert.equal(latest.status, 401);
    // A separate login (another family) is untouched.
    const other = await anon.post('/api/v1/auth/login', { email: user.email, password: 'correct horse battery' });
    assert.equal((await anon.post('/api/v1/auth/refresh', { refreshToken: other.body.refreshToken })).status, 200);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const user = await registerUser(control.url);
    const anon = new Client(control.url);
    const results = await Promise.all([1, 2].map(() => anon.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
  });

  it('logout revokes the session', async () => {
    const user = await registerUser(control.url);
    assert.equal((await user.post('/api/v1/auth/logout', { refreshToken: user.refreshToken })).status, 204);
    const after = await new Client(control.url).post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    assert.equal(after.status, 401);
  });

  it('rejects a tampered or foreign access token', async () => {
    const parts = admin.token!.split('.');
    const tampered = new Client(control.url, `${parts[0]}.${Buffer.from('{"sub":"x","typ":"access"}').toString('base64url')}.${parts[2]}`);
    const res = await tampered.get('/api/v1/auth/me');
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'DF_ERR_INVALID_TOKEN');
    const basic = await new Client(control.url).request('GET', '/api/v1/auth/me', undefined, { authorization: 'Basic abc' });
    assert.equal(basic.status, 401);
  });

  it('creates API tokens that work as Bearer, are shown once, and stop working when revoked', async () => {
    const user = await registerUser(control.url);
    const created = await user.post('/api/v1/tokens', { name: 'ci' });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^dfp_/);
    const list = await user.get('/api/v1/tokens');
    assert.equal(list.body.length, 1);
    assert.equal(list.body[0].token, undefined);
    const viaToken = new Client(control.url, created.body.token);
    assert.equal((await viaToken.get('/api/v1/auth/me')).body.id, user.userId);
    // Another user cannot revoke it.
    const stranger = await registerUser(control.url);
    assert.equal((await stranger.delete(`/api/v1/tokens/${created.body.id}`)).status, 404);
    assert.equal((await viaToken.get('/api/v1/auth/me')).status, 200);
    assert.equal((await user.delete(`/api/v1/tokens/${created.body.id}`)).status, 204);
    assert.equal((await viaToken.get('/api/v1/auth/me')).status, 401);
  });

  it('refuses tokens in the URL', async () => {
    const res = await new Client(control.url).get(`/api/v1/auth/me?access_token=${admin.token}`);
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'DF_ERR_TOKEN_IN_URL');
  });

  it('rate-limits failed logins per account with 429, even for the right password, counting in Redis', async () => {
    const user = await registerUser(control.url);
    const anon = new Client(control.url);
    for (let i = 0; i < 10; i++) {
      const res = await anon.post('/api/v1/auth/login', { email: user.email, password: `wrong password ${i}` });
      assert.equal(res.status, 401);
    }
    const limited = await anon.post('/api/v1/auth/login', { email: user.email, password: 'correct horse battery' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'DF_ERR_RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const { Redis } = await import('ioredis');
    const probe = new Redis(redis.url);
    const keys = await probe.keys('deployflow:login-account*');
    probe.disconnect();
    assert.ok(keys.length > 0, 'counters live in Redis');
  });

  it('rate-limits per client address across accounts', async () => {
    const anon = new Client(control.url);
    const headers = { 'x-forwarded-for': '203.0.113.9' }; // trusted: the test talks from loopback like the gateway
    let last = 0;
    for (let i = 0; i < 51; i++) {
      last = (await anon.request('POST', '/api/v1/auth/login', { email: `n${i}@example.test`, password: 'whatever123' }, headers)).status;
    }
    assert.equal(last, 429);
    const fromElsewhere = await anon.post('/api/v1/auth/login', { email: admin.email, password: 'correct horse battery' });
    assert.equal(fromElsewhere.status, 200);
  });

  it('lets an admin close registration and set roles; others may not', async () => {
    const dev = await registerUser(control.url);
    assert.equal((await dev.patch('/api/v1/settings', { registrationOpen: false })).status, 403);
    assert.equal((await dev.get('/api/v1/users')).status, 403);
    assert.equal((await dev.patch(`/api/v1/users/${dev.userId}`, { role: 'admin' })).status, 403);
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: false })).status, 200);
    const refused = await new Client(control.url).post('/api/v1/auth/register', { email: 'late@example.test', password: 'long enough pw' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'DF_ERR_REGISTRATION_CLOSED');
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: true })).status, 200);
    const promoted = await admin.patch(`/api/v1/users/${dev.userId}`, { role: 'viewer' });
    assert.equal(promoted.body.role, 'viewer');
    assert.equal((await admin.patch(`/api/v1/users/${admin.userId}`, { role: 'developer' })).body.error.code, 'DF_ERR_LAST_ADMIN');
    const users = await admin.get('/api/v1/users');
    assert.ok(users.body.every((u: Record<string, unknown>) => u.passwordHash === undefined));
  });
});
