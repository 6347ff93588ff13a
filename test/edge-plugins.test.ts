// The edge plugin chain end to end: control's API sets an app's chain (PATCH), control republishes
// the route, and two real gateways — one per engine — apply it without a restart. Each built-in
// plugin works on one app while its neighbour (same upstreams, no plugins) is untouched; the rate
// limit is shared by both gateways through Redis; the example operator module is loaded from
// GATEWAY_PLUGINS and runs; bad configs are 400s naming the field and change nothing; balancing
// and the HTTPS redirect set through the same PATCH reach the gateways.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { Redis } from 'ioredis';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher, readRouteTable } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig, request, until, type Reply } from '../gateway/testing/harness.js';
import { registerUser, startTestControl, type Client, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';

const MODULE = path.resolve(import.meta.dirname, '../examples/plugins/request-stamp.mjs');
const SHOP = 'shop.paas.local';
const PLAIN = 'plain.paas.local';
const BIG = 'the quick brown fox jumps over the lazy dog\n'.repeat(120);

interface Echo {
  name: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** An app replica: echoes what it received as JSON; /big is compressible text, /cached counts, /slow waits. */
async function startApp(name: string): Promise<{ port: number; busy: () => number; close: () => Promise<void> }> {
  let served = 0;
  let busy = 0;
  const server = http.createServer((req, res) => {
    served++;
    busy++;
    res.on('finish', () => {
      busy--;
    });
    req.resume();
    const url = req.url ?? '/';
    if (url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BIG.length });
      res.end(BIG);
      return;
    }
    if (url === '/cached') {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=60' });
      res.end(`${name} #${served}`);
      return;
    }
    const reply = (): void => {
      const body = JSON.stringify({ name, path: url, headers: req.headers } satisfies Echo);
      res.writeHead(200, { 'content-type': 'application/json', 'x-powered-by': 'tiny-app' });
      res.end(body);
    };
    if (url.startsWith('/slow')) setTimeout(reply, 1500);
    else reply();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    busy: () => busy,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sends a raw WebSocket upgrade and returns the first line of the answer. */
function upgrade(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(
        `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
    });
    s.once('data', (d: Buffer) => {
      resolve(d.toString('latin1').split('\r\n')[0]!);
      s.destroy();
    });
    s.once('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('upgrade timed out')));
  });
}

const json = (r: Reply): Echo => JSON.parse(r.body) as Echo;

describe('edge plugin chain through the API and both gateway engines', () => {
  let redis: TestRedis;
  let client: Redis;
  let control: TestControl;
  let admin: Client;
  const gateways: { engine: string; service: RunningService; port: number }[] = [];
  const apps: Awaited<ReturnType<typeof startApp>>[] = [];
  let chainId = 0;

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    process.env.GATEWAY_PLUGINS = MODULE;
    for (const engine of ['fast', 'http']) {
      process.env.GATEWAY_ENGINE = engine;
      const config = await gatewayConfig(redis.url, { GATEWAY_ACCESS_LOG: 'off' });
      gateways.push({ engine, service: await startGateway(config, createLogger('gateway', 'silent')), port: config.gatewayHttpPort });
    }
    delete process.env.GATEWAY_ENGINE;
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'paas.local',
      DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '0',
      DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '0',
    });
    delete process.env.GATEWAY_PLUGINS;
    admin = await registerUser(control.url);
    for (const name of ['shop', 'plain']) assert.equal((await admin.post('/api/v1/apps', { name })).status, 201);
    apps.push(await startApp('u1'), await startApp('u2'));
    // What a deploy publishes: both apps served by the same two replicas.
    const pub = createRoutePublisher(client);
    const upstreams = apps.map((a) => ({ host: '127.0.0.1', port: a.port }));
    await pub.setAppRoutes('shop', [SHOP], upstreams);
    await pub.setAppRoutes('plain', [PLAIN], upstreams);
    for (const g of gateways) await until(async () => (await request(g.port, PLAIN)).status === 200, `${g.engine} gateway routes`);
  });

  after(async () => {
    for (const g of gateways) await g.service.stop();
    await control.stop();
    for (const a of apps) await a.close();
    client.disconnect();
    await redis.stop();
  });

  /**
   * PATCHes the shop's chain, preceded by a `headers` plugin stamping every answer with a chain id,
   * and waits until both gateways answer with the new id: the chain changed with no restart.
   */
  async function setChain(plugins: { name: string; config: Record<string, unknown> }[]): Promise<void> {
    chainId++;
    const marker = { name: 'headers', config: { response: { add: { 'x-chain': String(chainId) } } } };
    const res = await admin.patch('/api/v1/apps/shop', { plugins: [marker, ...plugins] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const g of gateways) {
      await until(
        async () => (await request(g.port, SHOP, '/probe')).headers['x-chain'] === String(chainId),
        `chain ${chainId} on ${g.engine}`,
      );
    }
  }

  /** The neighbour is untouched: no stamp, straight to the app. */
  async function neighbourUntouched(port: number): Promise<void> {
    const r = await request(port, PLAIN, '/n');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-chain'], undefined);
    assert.equal(r.headers['x-powered-by'], 'tiny-app');
  }

  it('basic-auth: 401 without the password (WebSockets too), the app with it; the route table holds only hashes', async () => {
    await setChain([{ name: 'basic-auth', config: { users: { ada: 'correct horse' }, realm: 'Shop' } }]);
    for (const g of gateways) {
      const none = await request(g.port, SHOP, '/a');
      assert.equal(none.status, 401, g.engine);
      assert.equal(none.headers['www-authenticate'], 'Basic realm="Shop", charset="UTF-8"');
      assert.equal(
        (await request(g.port, SHOP, '/a', { headers: { authorization: `Basic ${Buffer.from('ada:wrong').toString('base64')}` } })).status,
        401,
      );
      const ok = await request(g.port, SHOP, '/a', {
        headers: { authorization: `Basic ${Buffer.from('ada:correct horse').toString('base64')}` },
      });
      assert.equal(ok.status, 200, g.engine);
      assert.equal(json(ok).path, '/a');
      assert.match(await upgrade(g.port, SHOP), /^HTTP\/1\.1 401/, `${g.engine} upgrade`);
      assert.match(await upgrade(g.port, PLAIN), /^HTTP\/1\.1 (?!401)/, `${g.engine} neighbour upgrade is not asked for a password`);
      await neighbourUntouched(g.port);
    }
    const table = JSON.stringify(await readRouteTable(client));
    assert.doesNotMatch(table, /correct horse/);
    assert.match(table, /scrypt\$/);
    assert.deepEqual((await admin.get('/api/v1/apps/shop')).body.plugins[1], {
      name: 'basic-auth',
      config: { users: { ada: null }, realm: 'Shop' },
    });
  });

  it('ip-filter: a denied address gets 403, an allowed one the app', async () => {
    await setChain([{ name: 'ip-filter', config: { allow: ['10.0.0.0/8'] } }]);
    for (const g of gateways) {
      assert.equal((await request(g.port, SHOP, '/a')).status, 403, g.engine);
      await neighbourUntouched(g.port);
    }
    await setChain([{ name: 'ip-filter', config: { allow: ['127.0.0.0/8'], deny: ['10.0.0.0/8'] } }]);
    for (const g of gateways) assert.equal((await request(g.port, SHOP, '/a')).status, 200, g.engine);
  });

  it('rate-limit: one count for both gateways (Redis), then 429 with Retry-After on either', async () => {
    await setChain([{ name: 'rate-limit', config: { rate: 6, periodSeconds: 60 } }]);
    // The probes that saw the new chain were counted too: count every 200 since.
    let allowed = 0;
    const served = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const g = gateways[i % 2]!;
      const r = await request(g.port, SHOP, '/a');
      if (r.status === 429) {
        assert.ok(Number(r.headers['retry-after']) >= 1, 'Retry-After');
        break;
      }
      assert.equal(r.status, 200);
      allowed++;
      served.add(g.engine);
    }
    // Each gateway's first probe that saw the chain counted too: 6 - 2 (not 6 per gateway).
    assert.equal(allowed, 4);
    assert.equal(served.size, 2, 'both gateways served before the shared limit');
    for (const g of gateways) {
      assert.equal((await request(g.port, SHOP, '/a')).status, 429, g.engine);
      await neighbourUntouched(g.port);
    }
  });

  it('headers: set and removed on the request the app gets and on the answer', async () => {
    await setChain([
      { name: 'headers', config: { request: { add: { 'x-team': 'blue' }, remove: ['x-secret'] }, response: { remove: ['x-powered-by'] } } },
    ]);
    for (const g of gateways) {
      const r = await request(g.port, SHOP, '/h', { headers: { 'x-secret': 'do not forward' } });
      assert.equal(json(r).headers['x-team'], 'blue', g.engine);
      assert.equal(json(r).headers['x-secret'], undefined);
      assert.equal(r.headers['x-powered-by'], undefined);
      assert.equal(json(await request(g.port, PLAIN, '/h', { headers: { 'x-secret': 'kept' } })).headers['x-secret'], 'kept');
      await neighbourUntouched(g.port);
    }
  });

  it('redirect: plain HTTP and old prefixes are sent on with one 308', async () => {
    await setChain([{ name: 'redirect', config: { https: true, prefixes: [{ from: '/old', to: '/new' }] } }]);
    for (const g of gateways) {
      const r = await request(g.port, SHOP, '/old/page?x=1');
      assert.equal(r.status, 308, g.engine);
      assert.equal(r.headers.location, `https://${SHOP}/new/page?x=1`);
      await neighbourUntouched(g.port);
    }
  });

  it('cors: preflights answered at the edge, allowed origins get the headers', async () => {
    await setChain([{ name: 'cors', config: { origins: ['https://ui.example.com'], methods: ['GET', 'PUT'] } }]);
    const preflight = { method: 'OPTIONS', headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'PUT' } };
    for (const g of gateways) {
      const pre = await request(g.port, SHOP, '/api', preflight);
      assert.equal(pre.status, 204, g.engine);
      assert.equal(pre.headers['access-control-allow-methods'], 'GET, PUT');
      const get = await request(g.port, SHOP, '/api', { headers: { origin: 'https://ui.example.com' } });
      assert.equal(get.headers['access-control-allow-origin'], 'https://ui.example.com');
      const plain = await request(g.port, PLAIN, '/api', preflight);
      assert.equal(json(plain).path, '/api', 'the neighbour app answers its own preflight');
      assert.equal(plain.headers['access-control-allow-origin'], undefined);
    }
  });

  it('compress: gzip and brotli for text, the bytes intact; the neighbour sends them as they are', async () => {
    await setChain([{ name: 'compress', config: {} }]);
    for (const g of gateways) {
      for (const [accept, decode] of [
        ['gzip', zlib.gunzipSync],
        ['br', zlib.brotliDecompressSync],
      ] as const) {
        const raw = await rawGet(g.port, SHOP, '/big', { 'accept-encoding': accept });
        assert.equal(raw.headers['content-encoding'], accept, g.engine);
        assert.ok(raw.body.length < BIG.length / 4);
        assert.equal(decode(raw.body).toString(), BIG);
      }
      const plain = await rawGet(g.port, PLAIN, '/big', { 'accept-encoding': 'gzip' });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.body.toString(), BIG);
    }
  });

  it("cache: a max-age answer is served from the gateway's memory; the neighbour asks its app every time", async () => {
    await setChain([{ name: 'cache', config: {} }]);
    for (const g of gateways) {
      const first = await request(g.port, SHOP, '/cached');
      const second = await request(g.port, SHOP, '/cached');
      assert.equal(second.headers['x-cache'], 'HIT', g.engine);
      assert.equal(second.body, first.body);
      const a = await request(g.port, PLAIN, '/cached');
      const b = await request(g.port, PLAIN, '/cached');
      assert.notEqual(a.body, b.body);
      assert.equal(b.headers['x-cache'], undefined);
    }
  });

  it('an operator module from GATEWAY_PLUGINS validates at PATCH and runs in both engines', async () => {
    const bad = await admin.patch('/api/v1/apps/shop', { plugins: [{ name: 'request-stamp', config: { value: 'not ok!' } }] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /plugins\[0\]\.config\.value/);
    await setChain([{ name: 'request-stamp', config: { value: 'edge-7' } }]);
    for (const g of gateways) {
      const r = await request(g.port, SHOP, '/s');
      assert.match(String(json(r).headers['x-request-stamp']), /^edge-7 shop \d+$/, g.engine);
      assert.equal(r.headers['x-stamped-by'], 'edge-7');
      await neighbourUntouched(g.port);
    }
  });

  it('bad configs are 400 DF_ERR_VALIDATION naming the field, and change nothing', async () => {
    const before = (await admin.get('/api/v1/apps/shop')).body;
    const tableBefore = (await readRouteTable(client)).routes[SHOP];
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`user${i}`, 'pw']));
    const bad: [unknown, string][] = [
      [[{ name: 'no-such-plugin', config: {} }], 'plugins[0].name'],
      [[{ name: 'headers', config: { request: { add: { 'content-length': '0' } } } }], 'plugins[0].config.request.add'],
      [
        [
          { name: 'cors', config: { origins: ['*'] } },
          { name: 'ip-filter', config: { deny: ['10.0.0.0/8', '10.0.0.0/40'] } },
        ],
        'plugins[1].config.deny.1',
      ],
      [[{ name: 'basic-auth', config: { users: many } }], 'plugins[0].config.users'],
      [[{ name: 'rate-limit', config: { rate: 0 } }], 'plugins[0].config.rate'],
    ];
    for (const [plugins, field] of bad) {
      const res = await admin.patch('/api/v1/apps/shop', { plugins });
      assert.equal(res.status, 400, field);
      assert.equal(res.body.error.code, 'DF_ERR_VALIDATION');
      assert.ok(res.body.error.message.startsWith(`${field}`), `${field}: ${res.body.error.message}`);
    }
    assert.deepEqual((await admin.get('/api/v1/apps/shop')).body, before);
    assert.deepEqual((await readRouteTable(client)).routes[SHOP], tableBefore);
  });

  it('balance and httpsRedirect set by PATCH reach the gateways: least-connections avoids a busy replica, plain HTTP gets a 308', async () => {
    await setChain([]);
    assert.equal((await admin.patch('/api/v1/apps/shop', { balance: 'least-connections' })).status, 200);
    await until(async () => (await readRouteTable(client)).routes[SHOP]?.balance === 'least-connections', 'balance published');
    for (const g of gateways) {
      // One slow request holds a replica; with least-connections every quick one goes to the other.
      await until(
        async () => {
          const slow = request(g.port, SHOP, '/slow');
          await until(() => apps.some((a) => a.busy() > 0), 'slow request started', 2000);
          const busy = apps[0]!.busy() > 0 ? 'u1' : 'u2';
          const quick: string[] = [];
          for (let i = 0; i < 4; i++) quick.push(json(await request(g.port, SHOP, '/q')).name);
          await slow;
          return quick.every((n) => n !== busy);
        },
        `least-connections on ${g.engine}`,
        10_000,
      );
    }
    assert.equal((await admin.patch('/api/v1/apps/shop', { httpsRedirect: true })).status, 200);
    for (const g of gateways) {
      await until(async () => (await request(g.port, SHOP, '/x?y')).status === 308, `https redirect on ${g.engine}`);
      assert.equal((await request(g.port, SHOP, '/x?y')).headers.location, `https://${SHOP}/x?y`);
      assert.equal((await request(g.port, PLAIN, '/x')).status, 200);
    }
  });
});

/** A GET that keeps the body's bytes as they came (no decoding), for the compress checks. */
function rawGet(
  port: number,
  host: string,
  p: string,
  headers: Record<string, string>,
): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, headers: { host, ...headers }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}
