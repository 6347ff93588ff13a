// Login rate limiting under concurrency, through real HTTP with the counters in Redis: a burst of
// parallel wrong passwords must not get more password checks than the limit allows, and a
// correct login must not use up the account's attempts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';

const PER_ACCOUNT = 10;
const PER_ADDRESS = 50;

describe('login rate limit under concurrency', () => {
  let control: TestControl;
  let redis: TestRedis;

  before(async () => {
    redis = await startRedis();
    control = await startTestControl({ REDIS_URL: redis.url });
  });
  after(async () => {
    await control.stop();
    await redis.stop();
  });

  /** A login from the given client address (trusted: the test talks from loopback like the gateway). */
  function login(email: string, password: string, address: string): Promise<{ status: number; body: { error?: { code: string } } }> {
    return new Client(control.url).request('POST', '/api/v1/auth/login', { email, password }, { 'x-forwarded-for': address });
  }

  function tally(results: { status: number; body: { error?: { code: string } } }[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of results) {
      const key = `${r.status} ${r.body.error?.code ?? ''}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  it('lets at most the per-account limit of 100 parallel wrong passwords reach the password check', async () => {
    const user = await registerUser(control.url);
    // A different address per request, so only the per-account limit applies.
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => login(user.email, `wrong password ${i}`, `198.51.100.${i + 1}`)),
    );
    const counts = tally(results);
    assert.ok((counts['401 DF_ERR_INVALID_CREDENTIALS'] ?? 0) <= PER_ACCOUNT, JSON.stringify(counts));
    assert.equal((counts['401 DF_ERR_INVALID_CREDENTIALS'] ?? 0) + (counts['429 DF_ERR_RATE_LIMITED'] ?? 0), 100, JSON.stringify(counts));
  });

  it('lets at most the per-address limit of 100 parallel logins from one address reach the password check', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => login(`spray${i}@example.test`, 'wrong password', '203.0.113.77')),
    );
    const counts = tally(results);
    assert.ok((counts['401 DF_ERR_INVALID_CREDENTIALS'] ?? 0) <= PER_ADDRESS, JSON.stringify(counts));
    assert.equal((counts['401 DF_ERR_INVALID_CREDENTIALS'] ?? 0) + (counts['429 DF_ERR_RATE_LIMITED'] ?? 0), 100, JSON.stringify(counts));
  });

  it('does not count a correct login, nor the failures before it, against the account', async () => {
    const user = await registerUser(control.url);
    for (let i = 0; i < 3; i++) assert.equal((await login(user.email, `wrong password ${i}`, '192.0.2.10')).status, 401);
    assert.equal((await login(user.email, 'correct horse battery', '192.0.2.10')).status, 200);
    // The whole allowance is there again: ten more failures are answered 401, only the next one 429.
    for (let i = 0; i < PER_ACCOUNT; i++) {
      const res = await login(user.email, `wrong again ${i}`, '192.0.2.10');
      assert.equal(res.status, 401, `failure ${i + 1} after the success`);
    }
    assert.equal((await login(user.email, 'wrong once more', '192.0.2.10')).status, 429);
  });

  it('does not count correct logins against the client address', async () => {
    const user = await registerUser(control.url);
    for (let i = 0; i < PER_ADDRESS + 5; i++) {
      const res = await login(user.email, 'correct horse battery', '192.0.2.20');
      assert.equal(res.status, 200, `login ${i + 1}`);
    }
  });
});
