import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../common/log/logger.js';
import { createRoutePublisher } from '../../common/routes/index.js';
import type { RunningService } from '../../common/service.js';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { startGateway } from '../index.js';
import { gatewayConfig, request, until } from '../testing/harness.js';
import { sleep } from '../testing/scripted.js';
import { cacheDirectives, keptStale, sharedLifetime } from './builtins/cache.js';
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
    const entry = (body: string) => ({
      status: 200,
      headers: [],
      body: Buffer.from(body),
      storedAt: 0,
      expiresAt: Infinity,
      etag: undefined,
      lastModified: undefined,
      vary: [],
    });
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

describe('cache plugin: conditional requests answered from a fresh entry', () => {
  const lastModified = 'Sat, 05 Dec 2026 10:00:00 GMT';
  const date = new Date().toUTCString();
  const app = {
    headers: {
      'content-type': 'text/plain',
      'cache-control': 'public, max-age=60',
      etag: '"v1"',
      'last-modified': lastModified,
      expires: 'Thu, 31 Dec 2037 23:59:59 GMT',
      vary: 'Accept-Language',
      date,
    },
    body: 'stored',
  };

  it('304 when a validator matches, with the describing fields and no body; the full hit otherwise', async () => {
    const chain = chainOf([{ name: 'cache', config: {} }]);
    assert.equal((await send(chain, { path: '/c' }, app)).by, 'app');
    const changed = { ...app, body: 'the app would say something else' };
    const cases: [Record<string, string>, number, string][] = [
      [{ 'if-none-match': '"v1"' }, 304, 'the same tag'],
      [{ 'if-none-match': 'W/"v1"' }, 304, 'weak comparison'],
      [{ 'if-none-match': '"x", "v1"' }, 304, 'one of a list'],
      [{ 'if-none-match': '*' }, 304, 'any'],
      [{ 'if-none-match': '"v0"' }, 200, 'another tag'],
      [{ 'if-modified-since': lastModified }, 304, 'not modified since then'],
      [{ 'if-modified-since': 'Sun, 06 Dec 2026 10:00:00 GMT' }, 304, 'a later date'],
      [{ 'if-modified-since': 'Fri, 04 Dec 2026 10:00:00 GMT' }, 200, 'an earlier date'],
      [{ 'if-modified-since': 'yesterday' }, 200, 'not a date: ignored'],
      [{ 'if-none-match': '"v0"', 'if-modified-since': lastModified }, 200, 'If-None-Match wins over If-Modified-Since'],
    ];
    for (const [headers, status, what] of cases) {
      const out = await send(chain, { path: '/c', headers }, changed);
      assert.equal(out.by, 'plugin', what);
      assert.equal(out.status, status, what);
      assert.equal(out.headers.get('x-cache'), 'HIT', what);
      if (status === 304) {
        assert.equal(out.body.length, 0, what);
        for (const [name, value] of Object.entries(app.headers).filter(([n]) => n !== 'content-type'))
          assert.equal(out.headers.get(name), value, `${what}: ${name}`);
        assert.equal(out.headers.get('content-type'), undefined, what);
        assert.equal(out.headers.get('content-length'), undefined, `${what}: a 304 says no length`);
      } else assert.equal(out.body.toString(), 'stored', what);
    }
    const precondition = await send(chain, { path: '/c', headers: { 'if-match': '"v0"' } }, { status: 412, body: '' });
    assert.equal(precondition.by, 'app', 'If-Match is for the app to evaluate');
    assert.equal(precondition.status, 412);
  });

  it('a no-cache response is stored but never fresh; must-revalidate is never served stale', async () => {
    const list = (h: Record<string, string>) => ({ list: (n: string) => h[n], has: (n: string) => n in h });
    assert.equal(sharedLifetime(200, list({ 'cache-control': 'no-cache', etag: '"a"' }), 60), 0);
    assert.equal(keptStale(200, list({ 'cache-control': 'no-cache', etag: '"a"' }), 0), true);
    assert.equal(keptStale(200, list({ 'cache-control': 'no-cache' }), 0), false, 'nothing to revalidate with');
    assert.equal(keptStale(200, list({ 'cache-control': 'no-cache, private', etag: '"a"' }), 0), false);
    assert.equal(keptStale(200, list({ etag: '"a"' }), 0), false, 'says nothing about caching');

    const chain = chainOf([{ name: 'cache', config: {} }]);
    const nc = { headers: { 'cache-control': 'no-cache', etag: '"n1"' }, body: 'kept' };
    assert.equal((await send(chain, { path: '/nc' }, nc)).headers.get('x-cache'), 'MISS');
    for (let i = 0; i < 2; i++) {
      const again = await send(chain, { path: '/nc' }, { status: 304, headers: { etag: '"n1"', 'cache-control': 'no-cache' }, body: '' });
      assert.equal(again.by, 'app', 'asked every time');
      assert.equal(again.forwarded!.headers.get('if-none-match'), '"n1"');
      assert.equal(again.status, 200);
      assert.equal(again.body.toString(), 'kept');
      assert.equal(again.headers.get('x-cache'), 'REVALIDATED');
      assert.equal(again.headers.get('content-length'), '4');
    }
    const mr = { headers: { 'cache-control': 'max-age=0, must-revalidate', 'last-modified': 'Sat, 05 Dec 2026 10:00:00 GMT' } };
    await send(chain, { path: '/mr' }, mr);
    const down = await send(chain, { path: '/mr' }, { status: 503, body: 'down' });
    assert.equal(down.forwarded!.headers.get('if-modified-since'), 'Sat, 05 Dec 2026 10:00:00 GMT');
    assert.equal(down.status, 503, 'a failed revalidation is not covered with the stale entry');
    const up = await send(chain, { path: '/mr' }, { status: 304, headers: {}, body: '' });
    assert.equal(up.headers.get('x-cache'), 'REVALIDATED', 'the entry outlived the 503');
  });

  it("passes a client's own conditions on for a stale entry, and a 304 that makes it private drops it", async () => {
    const chain = chainOf([{ name: 'cache', config: {} }]);
    const v = { headers: { 'cache-control': 'no-cache', etag: '"s1"' }, body: 'body' };
    await send(chain, { path: '/s' }, v);
    const theirs = await send(
      chain,
      { path: '/s', headers: { 'if-none-match': '"s1"' } },
      { status: 304, headers: { etag: '"s1"' }, body: '' },
    );
    assert.equal(theirs.forwarded!.headers.get('if-none-match'), '"s1"');
    assert.equal(theirs.status, 304, "the client's 304 is the client's");
    assert.equal(theirs.headers.get('x-cache'), 'MISS');
    const other = await send(chain, { path: '/s', headers: { 'if-none-match': '"zz"' } }, { status: 200, headers: {}, body: 'new' });
    assert.equal(other.forwarded!.headers.get('if-none-match'), '"zz"', 'not replaced by the stored tag');
    const gone = await send(chain, { path: '/s' }, v);
    assert.equal(gone.forwarded!.headers.get('if-none-match'), undefined, 'the 200 superseded the stored entry');

    await send(chain, { path: '/p' }, v);
    const made = await send(chain, { path: '/p' }, { status: 304, headers: { 'cache-control': 'private' }, body: '' });
    assert.equal(made.body.toString(), 'body', 'validated: served this once');
    assert.equal(made.headers.get('cache-control'), 'private');
    const after = await send(chain, { path: '/p' }, v);
    assert.equal(after.forwarded!.headers.get('if-none-match'), undefined, 'not kept');
  });
});

/** A scripted app: each path answers what `script` says; every request is recorded. */
interface Seen {
  host: string;
  path: string;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
}
type Script = (seenBefore: number) => { status: number; headers: Record<string, string>; body?: string };

describe('cache plugin revalidation through a real gateway (both engines)', () => {
  let redis: TestRedis;
  let client: Redis;
  let upstream: http.Server;
  const seen: Seen[] = [];
  const scripts = new Map<string, Script>();
  const gateways: { engine: string; service: RunningService; port: number }[] = [];
  const CACHED = 'cached.paas.local';
  const PLAIN = 'plain.paas.local';

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    upstream = http.createServer((req, res) => {
      const path = req.url ?? '/';
      const before = seen.filter((s) => s.path === path).length;
      seen.push({
        host: (req.headers.host ?? '').split(':')[0]!,
        path,
        ifNoneMatch: req.headers['if-none-match'],
        ifModifiedSince: req.headers['if-modified-since'],
      });
      const script = scripts.get(path.replace(/^\/(fast|http)/, ''));
      const out = script ? script(before) : { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
      res.writeHead(out.status, out.headers);
      res.end(out.status === 304 ? undefined : (out.body ?? ''));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    const pub = createRoutePublisher(client);
    await pub.setAppRoutes('cached', [CACHED], [{ host: '127.0.0.1', port }], { plugins: [{ name: 'cache', config: {} }] });
    await pub.setAppRoutes('plain', [PLAIN], [{ host: '127.0.0.1', port }]);
    for (const engine of ['fast', 'http']) {
      process.env.GATEWAY_ENGINE = engine;
      const config = await gatewayConfig(redis.url);
      const service = await startGateway(config, createLogger('gateway', 'silent'));
      gateways.push({ engine, service, port: config.gatewayHttpPort });
      for (const host of [CACHED, PLAIN])
        await until(async () => (await request(config.gatewayHttpPort, host, '/ready')).status === 200, host);
    }
    delete process.env.GATEWAY_ENGINE;
  });

  after(async () => {
    for (const g of gateways) await g.service.stop();
    upstream.close();
    client.disconnect();
    await redis.stop();
  });

  const asked = (host: string, path: string): Seen[] => seen.filter((s) => s.host === host && s.path === path);

  it("answers a client's If-None-Match with 304 from a fresh entry without asking the app", async () => {
    scripts.set('/fresh', () => ({
      status: 200,
      headers: { 'content-type': 'text/plain', 'cache-control': 'max-age=60', etag: '"f1"' },
      body: 'fresh body',
    }));
    for (const g of gateways) {
      const path = `/${g.engine}/fresh`;
      assert.equal((await request(g.port, CACHED, path)).headers['x-cache'], 'MISS', g.engine);
      const cond = await request(g.port, CACHED, path, { headers: { 'if-none-match': '"f1"' } });
      assert.equal(cond.status, 304, g.engine);
      assert.equal(cond.body, '', g.engine);
      assert.equal(cond.headers.etag, '"f1"', g.engine);
      assert.equal(cond.headers['cache-control'], 'max-age=60', g.engine);
      assert.equal(cond.headers['x-cache'], 'HIT', g.engine);
      assert.equal(cond.headers['content-length'], undefined, `${g.engine}: no length of an absent body`);
      const other = await request(g.port, CACHED, path, { headers: { 'if-none-match': '"nope"' } });
      assert.equal(other.status, 200, g.engine);
      assert.equal(other.body, 'fresh body', g.engine);
      assert.equal(asked(CACHED, path).length, 1, `${g.engine}: the app was asked once`);
    }
  });

  it('revalidates a stale entry with one conditional request: 304 keeps the body, 200 replaces it; no-cache is asked every time', async () => {
    scripts.set(
      '/stale',
      (n): ReturnType<Script> =>
        n === 0
          ? { status: 200, headers: { 'content-type': 'text/plain', 'cache-control': 'max-age=1', etag: '"s1"' }, body: 'old body' }
          : { status: 304, headers: { 'cache-control': 'max-age=60', etag: '"s1"' } },
    );
    scripts.set(
      '/replaced',
      (n): ReturnType<Script> =>
        n === 0
          ? { status: 200, headers: { 'cache-control': 'max-age=1', 'last-modified': 'Sat, 05 Dec 2026 10:00:00 GMT' }, body: 'first' }
          : { status: 200, headers: { 'cache-control': 'max-age=60', 'last-modified': 'Sun, 06 Dec 2026 10:00:00 GMT' }, body: 'second' },
    );
    scripts.set(
      '/nocache',
      (n): ReturnType<Script> =>
        n === 0
          ? {
              status: 200,
              headers: { 'content-type': 'text/plain', 'cache-control': 'no-cache', etag: 'W/"n1"' },
              body: 'revalidated every time',
            }
          : { status: 304, headers: { 'cache-control': 'no-cache', etag: 'W/"n1"' } },
    );
    for (const g of gateways)
      for (const p of ['/stale', '/replaced', '/nocache'])
        assert.equal((await request(g.port, CACHED, `/${g.engine}${p}`)).headers['x-cache'], 'MISS', `${g.engine} ${p}`);
    await sleep(1100); // max-age=1 runs out
    for (const g of gateways) {
      const stale = `/${g.engine}/stale`;
      const r = await request(g.port, CACHED, stale);
      assert.equal(r.status, 200, g.engine);
      assert.equal(r.body, 'old body', g.engine);
      assert.equal(r.headers['x-cache'], 'REVALIDATED', g.engine);
      assert.equal(r.headers['content-length'], '8', g.engine);
      assert.equal(r.headers['content-type'], 'text/plain', g.engine);
      assert.equal(r.headers['cache-control'], 'max-age=60', `${g.engine}: the 304's fields are taken`);
      assert.deepEqual(
        asked(CACHED, stale).map((s) => s.ifNoneMatch),
        [undefined, '"s1"'],
        `${g.engine}: one conditional request`,
      );
      const hit = await request(g.port, CACHED, stale);
      assert.equal(hit.headers['x-cache'], 'HIT', `${g.engine}: fresh again for max-age=60`);
      assert.equal(asked(CACHED, stale).length, 2, g.engine);

      const replaced = `/${g.engine}/replaced`;
      const second = await request(g.port, CACHED, replaced);
      assert.equal(second.body, 'second', g.engine);
      assert.equal(second.headers['x-cache'], 'MISS', g.engine);
      assert.equal(asked(CACHED, replaced)[1]!.ifModifiedSince, 'Sat, 05 Dec 2026 10:00:00 GMT', g.engine);
      const third = await request(g.port, CACHED, replaced);
      assert.equal(third.body, 'second', `${g.engine}: the new body is stored`);
      assert.equal(third.headers['x-cache'], 'HIT', g.engine);

      const nocache = `/${g.engine}/nocache`;
      for (let i = 0; i < 2; i++) {
        const again = await request(g.port, CACHED, nocache);
        assert.equal(again.body, 'revalidated every time', g.engine);
        assert.equal(again.headers['x-cache'], 'REVALIDATED', g.engine);
      }
      assert.deepEqual(
        asked(CACHED, nocache).map((s) => s.ifNoneMatch),
        [undefined, 'W/"n1"', 'W/"n1"'],
        g.engine,
      );
    }
  });

  it('leaves a neighbour route without the plugin untouched', async () => {
    scripts.set('/neighbour', () => ({ status: 200, headers: { 'cache-control': 'no-cache', etag: '"p1"' }, body: 'plain' }));
    for (const g of gateways) {
      const path = `/${g.engine}/neighbour`;
      for (let i = 0; i < 2; i++) {
        const r = await request(g.port, PLAIN, path);
        assert.equal(r.body, 'plain', g.engine);
        assert.equal(r.headers['x-cache'], undefined, g.engine);
      }
      const cond = await request(g.port, PLAIN, path, { headers: { 'if-none-match': '"p1"' } });
      assert.equal(cond.status, 200, `${g.engine}: the app decides (this one never says 304)`);
      assert.deepEqual(
        asked(PLAIN, path).map((s) => s.ifNoneMatch),
        [undefined, undefined, '"p1"'],
        g.engine,
      );
    }
  });
});
