import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../common/config/config.js';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher, WAKE_CHANNEL, type RoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { putChallenge } from '../common/certificates/index.js';
import { startGateway } from './index.js';
import { gatewayConfig, request, startUpstream, until, type Upstream } from './testing/harness.js';

let redis: TestRedis;
let client: Redis;
let pub: RoutePublisher;
let config: Config;
let gateway: RunningService;
let a: Upstream;
let b: Upstream;
let port: number;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  pub = createRoutePublisher(client);
  process.env.GATEWAY_HEALTH_INTERVAL_MS = '200';
  config = await gatewayConfig(redis.url);
  gateway = await startGateway(config, createLogger('gateway', 'silent'));
  delete process.env.GATEWAY_HEALTH_INTERVAL_MS;
  port = config.gatewayHttpPort;
  a = await startUpstream('a');
  b = await startUpstream('b');
});
after(async () => {
  await gateway.stop();
  await a.close();
  await b.close();
  client.disconnect();
  await redis.stop();
});

const up = (u: Upstream) => ({ host: '127.0.0.1', port: u.port });

void test('unknown host is 404, a missing Host is 400, both short pages', async () => {
  const r = await request(port, 'nobody.paas.local');
  assert.equal(r.status, 404);
  assert.match(r.body, /DF_ERR_NO_ROUTE/);
  const html = await request(port, 'nobody.paas.local', '/', { headers: { accept: 'text/html' } });
  assert.match(html.body, /<h1>404<\/h1>/);
  assert.match(html.body, /DF_ERR_NO_ROUTE/, 'the page names its code, as the JSON answer does');
  assert.equal((await request(port, 'bad_host!')).status, 400);
});

void test('a published route is served, by case-insensitive Host with the port stripped', async () => {
  const v = await pub.setAppRoutes('web', ['web.paas.local'], [up(a)]);
  await until(async () => (await request(port, 'web.paas.local')).status === 200, `route v${v}`);
  const r = await request(port, 'WEB.Paas.Local:8080', '/x?y=1');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'a GET /x?y=1');
});

void test('forwarding headers are set and hop-by-hop headers are stripped both ways', async () => {
  await pub.setAppRoutes('hdr', ['hdr.paas.local'], [up(a)]);
  await until(async () => (await request(port, 'hdr.paas.local')).status === 200, 'route');
  a.seen.length = 0;
  const r = await request(port, 'hdr.paas.local', '/', {
    headers: {
      'x-forwarded-for': '6.6.6.6',
      'x-real-ip': '6.6.6.6',
      forwarded: 'for=6.6.6.6',
      'x-request-id': 'trace-123',
      connection: 'x-secret',
      'x-secret': 'leak',
      'proxy-authorization': 'Basic eA==',
    },
  });
  const h = a.seen[0]!;
  assert.equal(h['x-forwarded-for'], '127.0.0.1');
  assert.equal(h['x-real-ip'], '127.0.0.1');
  assert.equal(h.forwarded, undefined, "a client's Forwarded header cannot pass for the gateway's");
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['x-forwarded-host'], 'hdr.paas.local');
  assert.equal(h['x-request-id'], 'trace-123');
  assert.equal(h.host, 'hdr.paas.local');
  assert.equal(h['x-secret'], undefined);
  assert.equal(h['proxy-authorization'], undefined);
  assert.equal(r.headers['x-hop'], undefined, "named in the upstream's own Connection header, so hop-by-hop (RFC 9110 §7.6.1)");
  assert.equal(r.headers['keep-alive'] === 'timeout=5' && r.headers['x-upstream'] === 'a', false);
});

void test('round-robin spreads requests, least-connections too, and a POST body reaches the app', async () => {
  await pub.setAppRoutes('rr', ['rr.paas.local'], [up(a), up(b)]);
  await until(async () => (await request(port, 'rr.paas.local')).status === 200, 'route');
  const names = new Set<string>();
  for (let i = 0; i < 10; i++) names.add((await request(port, 'rr.paas.local')).body[0]!);
  assert.deepEqual([...names].sort(), ['a', 'b']);
  await pub.setAppRoutes('rr', ['rr.paas.local'], [up(a), up(b)], { balance: 'least-connections' });
  await new Promise((r) => setTimeout(r, 100)); // let the change arrive
  const slow = request(port, 'rr.paas.local', '/slow?ms=500');
  await new Promise((r) => setTimeout(r, 50));
  const fast: { body: string }[] = [];
  for (let i = 0; i < 3; i++) fast.push(await request(port, 'rr.paas.local'));
  const busy = (await slow).body[0];
  assert.ok(
    fast.every((f) => f.body[0] !== busy),
    'new requests avoid the busy replica',
  );
  const post = await request(port, 'rr.paas.local', '/p', { method: 'POST', body: 'hello' });
  assert.match(post.body, /POST \/p hello$/);
});

void test('a refused replica is skipped (retry + passive health); none healthy is 503', async () => {
  const dead = await startUpstream('dead');
  const deadPort = dead.port;
  await dead.close();
  await pub.setAppRoutes('flaky', ['flaky.paas.local'], [{ host: '127.0.0.1', port: deadPort }, up(b)]);
  await until(async () => (await request(port, 'flaky.paas.local')).status !== 404, 'route');
  for (let i = 0; i < 10; i++) assert.equal((await request(port, 'flaky.paas.local')).body[0], 'b');
  await pub.setAppRoutes('gone', ['gone.paas.local'], [{ host: '127.0.0.1', port: deadPort }]);
  await until(async () => (await request(port, 'gone.paas.local')).status !== 404, 'route');
  const r = await request(port, 'gone.paas.local');
  assert.equal(r.status, 503);
  assert.match(r.body, /DF_ERR_NO_HEALTHY_UPSTREAM/);
  await pub.setAppRoutes('empty', ['empty.paas.local'], []);
  await until(async () => (await request(port, 'empty.paas.local')).status === 503, 'empty route');
});

void test('switching upstreams under traffic fails no request', async () => {
  await pub.setAppRoutes('live', ['live.paas.local'], [up(a)]);
  await until(async () => (await request(port, 'live.paas.local')).status === 200, 'route');
  let stop = false;
  const statuses: number[] = [];
  const workers = [0, 1, 2, 3].map(async () => {
    for (let i = 0; i < 500 && !stop; i++) statuses.push((await request(port, 'live.paas.local')).status);
  });
  for (let i = 0; i < 10; i++) {
    await pub.setAppRoutes('live', ['live.paas.local'], [i % 2 ? up(a) : up(b)]);
    await new Promise((r) => setTimeout(r, 20));
  }
  stop = true;
  await Promise.all(workers);
  assert.ok(statuses.length > 0);
  assert.deepEqual(
    statuses.filter((s) => s !== 200),
    [],
  );
});

void test('redirects to HTTPS when the route asks, and logs every request as JSON', async () => {
  await pub.setAppRoutes('secure', ['secure.paas.local'], [up(a)], { tls: true, httpsRedirect: true });
  await until(async () => (await request(port, 'secure.paas.local', '/p?q')).status === 308, 'redirect route');
  assert.equal((await request(port, 'secure.paas.local', '/p?q')).headers.location, 'https://secure.paas.local/p?q');
  const file = path.join(config.dataDir, 'logs', 'gateway-access.log');
  await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('secure.paas.local'), 'access log');
  const line = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.host === 'web.paas.local');
  assert.equal(line?.status, 200);
  assert.equal(line?.app, 'web');
});

void test('ACME HTTP-01 challenges are answered for any host, unknown tokens are 404', async () => {
  await putChallenge(client, 'tok_123-abc', 'tok_123-abc.thumbprint');
  const r = await request(port, 'not-routed.example.net', '/.well-known/acme-challenge/tok_123-abc');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'tok_123-abc.thumbprint');
  assert.equal((await request(port, 'web.paas.local', '/.well-known/acme-challenge/other')).status, 404);
  assert.equal((await request(port, 'web.paas.local', '/.well-known/acme-challenge/../../etc')).status, 404);
});

void test('a request for a sleeping app is held, the app is asked to wake, and served once it is up', async () => {
  await pub.setAppRoutes('sleepy', ['sleepy.paas.local'], [], { sleeping: true });
  await until(async () => (await request(port, 'nobody.paas.local')).status === 404, 'settle');
  const sub = new Redis(redis.url);
  const wakes: string[] = [];
  sub.on('message', (_c: string, m: string) => {
    wakes.push(m);
    // What control does: start the app (health-gated) and republish the route awake.
    void pub.setAppRoutes('sleepy', ['sleepy.paas.local'], [up(a)]);
  });
  await sub.subscribe(WAKE_CHANNEL);
  try {
    const r = await request(port, 'sleepy.paas.local', '/woken');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'a GET /woken');
    assert.deepEqual(JSON.parse(wakes[0]!), { app: 'sleepy', host: 'sleepy.paas.local' });
  } finally {
    sub.disconnect();
  }
});

void test('active checks GET the route health path and keep failing replicas out of rotation', async () => {
  const gone = await startUpstream('gone');
  const well = await startUpstream('well');
  await gone.close();
  await pub.setAppRoutes(
    'checked',
    ['checked.paas.local'],
    [
      { host: '127.0.0.1', port: gone.port },
      { host: '127.0.0.1', port: well.port },
    ],
    { healthcheckPath: '/healthz' },
  );
  await until(async () => (await request(port, 'checked.paas.local')).status === 200, 'route');
  await until(() => well.seen.some((h) => h['user-agent'] === 'deployflow-gateway-health'), 'a health GET', 10_000);
  for (let i = 0; i < 6; i++) assert.equal((await request(port, 'checked.paas.local')).body.split(' ')[0], 'well');
  await well.close();
});
