import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheDirectives, sharedLifetime } from './builtins/cache.js';
import { ResponseStore } from './builtins/cache-store.js';
import { chainOf, send } from './testing/run-chain.js';

describe('cache plugin', () => {
  it('serves a response with max-age from memory, with Age and X-Cache', async () => {
    const chain = chainOf([{ name: 'cache', config: {} }]);
    const app = { headers: { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60' }, body: 'v1' };
    const first = await send(chain, { path: '/a' }, app);
    assert.equal(first.by, 'app');
    assert.equal(first.headers.get('x-cache'), 'MISS');
    const second = await send(chain, { path: '/a' }, { ...app, body: 'v2' });
    assert.equal(second.by, 'plugin');
    assert.equal(second.body.toString(), 'v1');
    assert.equal(second.headers.get('x-cache'), 'HIT');
    assert.equal(second.headers.get('age'), '0');
    assert.equal(second.headers.get('content-length'), '2');
    assert.equal((await send(chain, { path: '/a?other' }, app)).by, 'app', 'the query is part of the key');
    assert.equal((await send(chain, { path: '/a', headers: { 'cache-control': 'no-cache' } }, app)).by, 'app', 'no-cache asks the app');
  });

  it('stores nothing private, no-store, without a lifetime, with Set-Cookie, for Authorization, or not GET', async () => {
    const chain = chainOf([{ name: 'cache', config: {} }]);
    const cases: [Record<string, string>, Record<string, string>, string, string][] = [
      [{}, { 'cache-control': 'private, max-age=60' }, 'GET', 'private'],
      [{}, { 'cache-control': 'no-store' }, 'GET', 'no-store'],
      [{}, {}, 'GET', 'no lifetime'],
      [{}, { 'cache-control': 'max-age=60', 'set-cookie': 'a=1' }, 'GET', 'set-cookie'],
      [{ authorization: 'Basic eDp5' }, { 'cache-control': 'max-age=60' }, 'GET', 'authorization'],
      [{}, { 'cache-control': 'max-age=60' }, 'POST', 'post'],
      [{}, { 'cache-control': 'max-age=60', vary: '*' }, 'GET', 'vary *'],
    ];
    for (const [reqHeaders, resHeaders, method, what] of cases) {
      const path = `/${what.replace(/\W/g, '')}`;
      await send(chain, { path, method, headers: reqHeaders }, { headers: resHeaders });
      assert.equal((await send(chain, { path, method, headers: reqHeaders }, { headers: resHeaders })).by, 'app', what);
    }
  });

  it('honours Expires when the response has no max-age, counted from its Date', async () => {
    const date = 'Sun, 06 Dec 2026 06:00:00 GMT';
    const list = (h: Record<string, string>) => ({ list: (n: string) => h[n], has: (n: string) => n in h });
    assert.equal(sharedLifetime(200, list({ date, expires: 'Sun, 06 Dec 2026 06:02:00 GMT' }), 0), 120);
    assert.equal(sharedLifetime(200, list({ date, expires: 'Sun, 06 Dec 2026 05:00:00 GMT' }), 30), 0, 'in the past');
    assert.equal(sharedLifetime(200, list({ expires: '0' }), 30), 0, 'not a date: already expired');
    assert.equal(sharedLifetime(200, list({ date, expires: 'Sun, 06 Dec 2026 06:02:00 GMT', 'cache-control': 'max-age=5' }), 0), 5);
    const now = Date.parse(date);
    assert.equal(sharedLifetime(200, list({ expires: 'Sun, 06 Dec 2026 06:01:00 GMT' }), 0, now), 60, 'no Date: from now');

    const chain = chainOf([{ name: 'cache', config: {} }]);
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const app = { headers: { date: new Date().toUTCString(), expires: inAMinute }, body: 'v1' };
    assert.equal((await send(chain, { path: '/e' }, app)).by, 'app');
    const hit = await send(chain, { path: '/e' }, { ...app, body: 'v2' });
    assert.equal(hit.by, 'plugin', 'served from the cache until Expires');
    assert.equal(hit.body.toString(), 'v1');
    const gone = { headers: { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' }, body: 'old' };
    await send(chain, { path: '/past' }, gone);
    assert.equal((await send(chain, { path: '/past' }, gone)).by, 'app', 'an Expires in the past is not stored');
  });

  it('keeps one variant per Vary value', async () => {
    const chain = chainOf([{ name: 'cache', config: {} }]);
    const app = (lang: string) => ({ headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' }, body: lang });
    await send(chain, { headers: { 'accept-language': 'fr' } }, app('fr'));
    assert.equal((await send(chain, { headers: { 'accept-language': 'de' } }, app('de'))).by, 'app');
    assert.equal((await send(chain, { headers: { 'accept-language': 'fr' } }, app('x'))).body.toString(), 'fr');
    assert.equal((await send(chain, { headers: { 'accept-language': 'de' } }, app('x'))).body.toString(), 'de');
  });

  it('is bounded: least recently used entries go first', () => {
    const store = new ResponseStore(2, 1_000_000);
    const entry = (body: string) => ({ status: 200, headers: [], body: Buffer.from(body), storedAt: 0, expiresAt: Infinity, vary: [] });
    store.put('a', entry('a'));
    store.put('b', entry('b'));
    assert.ok(store.get('a', () => undefined, 1));
    store.put('c', entry('c'));
    assert.equal(
      store.get('b', () => undefined, 1),
      undefined,
    );
    assert.ok(store.get('a', () => undefined, 1));
    const bytes = new ResponseStore(100, 10);
    bytes.put('x', entry('123456'));
    bytes.put('y', entry('123456'));
    assert.deepEqual(bytes.size, { entries: 1, bytes: 6 });
    assert.deepEqual(
      [...cacheDirectives('public, max-age="30", No-Store')],
      [
        ['public', ''],
        ['max-age', '30'],
        ['no-store', ''],
      ],
    );
  });
});
