// The bounds of the wake hold (issue 9: "bounded queue per app, bounded wait, then 503 with
// Retry-After and a DF_ERR_* page"), in both engines, against a real gateway on a private Redis
// with control played by the test (it publishes routes and never answers a wake unless told):
// beyond GATEWAY_WAKE_QUEUE held requests for one app a request is refused at once while the held
// ones stay held and are forwarded when the app wakes; a held request, HEAD and WebSocket upgrade
// included, is refused once GATEWAY_WAKE_TIMEOUT_MS has passed, never left hanging.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { GATEWAY_ERRORS } from '../../common/errors/catalogue.js';
import { createLogger } from '../../common/log/logger.js';
import { createRoutePublisher, WAKE_CHANNEL, type RoutePublisher } from '../../common/routes/index.js';
import type { RunningService } from '../../common/service.js';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { startGateway } from '../index.js';
import { gatewayConfig, request, startUpstream, until, withGatewayEnv, type Reply, type Upstream } from '../testing/harness.js';

const WAKING = GATEWAY_ERRORS.DF_ERR_APP_WAKING;
const JSON_ACCEPT = { accept: 'application/json' };
const HTML_ACCEPT = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Edge {
  port: number;
  pub: RoutePublisher;
  /** Wake messages the gateway published, as control would receive them. */
  wakes: { app: string; host: string }[];
  app: Upstream;
  /** Publishes `app` asleep on `host` and resolves once the gateway has the route. */
  asleep(app: string, host: string): Promise<void>;
  /** Publishes `app` awake on `host`, served by the test's upstream. */
  wake(app: string, host: string): Promise<void>;
  stop(): Promise<void>;
}

/** A gateway of `engine` with the GATEWAY_* settings in `env` (read from process.env at start). */
async function startEdge(engine: 'fast' | 'http', env: Record<string, string>): Promise<Edge> {
  const redis: TestRedis = await startRedis();
  const client = new Redis(redis.url);
  const sub = new Redis(redis.url);
  const pub = createRoutePublisher(client);
  const wakes: Edge['wakes'] = [];
  sub.on('message', (_c: string, m: string) => wakes.push(JSON.parse(m) as Edge['wakes'][number]));
  await sub.subscribe(WAKE_CHANNEL);
  const config = await gatewayConfig(redis.url);
  const settings = { GATEWAY_ENGINE: engine, GATEWAY_ACCESS_LOG: 'off', ...env };
  const gateway: RunningService = await withGatewayEnv(settings, () => startGateway(config, createLogger('gateway', 'silent')));
  const port = config.gatewayHttpPort;
  const app = await startUpstream('woken');
  let marks = 0;
  return {
    port,
    pub,
    wakes,
    app,
    async asleep(name, host) {
      await pub.setAppRoutes(name, [host], [], { sleeping: true });
      // Routes are applied in the order they were published: once a route published after this
      // one answers, the gateway has the sleeping route too.
      const mark = `mark${++marks}`;
      await pub.setAppRoutes(mark, [`${mark}.paas.local`], [{ host: '127.0.0.1', port: app.port }]);
      await until(async () => (await request(port, `${mark}.paas.local`)).status === 200, `${name} asleep`);
    },
    async wake(name, host) {
      await pub.setAppRoutes(name, [host], [{ host: '127.0.0.1', port: app.port }]);
    },
    async stop() {
      await gateway.stop();
      await app.close();
      client.disconnect();
      sub.disconnect();
      await redis.stop();
    },
  };
}

/** A request on a fresh connection: every byte the gateway sent until it closed it, and when. */
function raw(port: number, data: string, ms: number): Promise<{ data: string; ms: number; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    let closed = true;
    socket.setTimeout(ms, () => {
      closed = false;
      socket.destroy();
    });
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    socket.on('close', () => resolve({ data: out, ms: Date.now() - t0, closed }));
    socket.on('error', reject);
    socket.write(data, 'latin1');
  });
}

/** A request that also says how long its answer took. */
async function timed(
  port: number,
  host: string,
  p: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<Reply & { ms: number }> {
  const t0 = Date.now();
  const r = await request(port, host, p, { method, headers });
  return { ...r, ms: Date.now() - t0 };
}

const wsUpgrade = (host: string, extra = ''): string =>
  `GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

/** The refusal a user sees: 503, a Retry-After in whole seconds, DF_ERR_APP_WAKING as JSON or its page. */
function assertWaking(
  r: { status: number; headers: Record<string, string | string[] | undefined>; body: string },
  html: boolean,
  retryAfter: string,
): void {
  assert.equal(r.status, 503, r.body);
  assert.equal(r.headers['retry-after'], retryAfter);
  assert.equal(r.headers['cache-control'], 'no-store');
  if (html) {
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.match(r.body, /^<!doctype html>/);
    assert.ok(r.body.includes(WAKING.message), r.body);
    assert.ok(r.body.includes('DF_ERR_APP_WAKING'), `the page names its code: ${r.body}`);
  } else {
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(r.body), { error: { code: 'DF_ERR_APP_WAKING', message: WAKING.message } });
  }
}

/** A raw HTTP/1.1 response split into status, lower-cased header fields and body. */
function parse(data: string): { status: number; headers: Record<string, string>; body: string } {
  const end = data.indexOf('\r\n\r\n');
  assert.ok(end > 0, `a whole response head, got ${JSON.stringify(data)}`);
  const [line, ...fields] = data.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const f of fields) {
    const colon = f.indexOf(':');
    headers[f.slice(0, colon).toLowerCase()] = f.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(line!)?.[1]), headers, body: data.slice(end + 4) };
}

for (const engine of ['fast', 'http'] as const) {
  describe(`wake queue bound (${engine} engine)`, () => {
    const QUEUE = 3;
    // Far longer than the test: a request held by mistake shows as the client's 10 s time-out.
    const TIMEOUT_MS = 30_000;
    let edge: Edge;

    before(async () => {
      edge = await startEdge(engine, { GATEWAY_WAKE_QUEUE: String(QUEUE), GATEWAY_WAKE_TIMEOUT_MS: String(TIMEOUT_MS) });
    });
    after(async () => {
      await edge.stop();
    });

    it('refuses requests beyond the queue at once, keeps the held ones and forwards them on wake', async () => {
      const { port } = edge;
      await edge.asleep('nap', 'nap.paas.local');
      await edge.asleep('other', 'other.paas.local');
      const settled = new Set<number>();
      const held = Array.from({ length: QUEUE }, (_, i) =>
        request(port, 'nap.paas.local', `/held${i}`, { headers: JSON_ACCEPT }).finally(() => settled.add(i)),
      );
      await until(() => edge.wakes.length === 1, 'the wake');
      await sleep(500); // the other held requests reach the gateway (loopback, idle gateway)
      assert.deepEqual(edge.wakes, [{ app: 'nap', host: 'nap.paas.local' }]);
      assert.equal(settled.size, 0, 'the first requests are held');

      const seenBefore = edge.app.seen.length;
      const [api, browser, again] = await Promise.all([
        timed(port, 'nap.paas.local', '/over1', JSON_ACCEPT),
        timed(port, 'nap.paas.local', '/over2', HTML_ACCEPT),
        timed(port, 'nap.paas.local', '/over3', {}),
      ]);
      const retryAfter = String(Math.min(30, TIMEOUT_MS / 1000));
      assertWaking(api, false, retryAfter);
      assertWaking(browser, true, retryAfter);
      assertWaking(again, false, retryAfter);
      for (const r of [api, browser, again]) assert.ok(r.ms < 3000, `refused at once, not held (${r.ms} ms)`);
      const ws = await raw(port, wsUpgrade('nap.paas.local'), 5000);
      assert.ok(ws.closed && ws.ms < 3000, `an upgrade beyond the queue is refused at once (${ws.ms} ms)`);
      assertWaking(parse(ws.data), false, retryAfter);

      // The queue is per app: another sleeping app's request is held, not refused.
      let otherDone = false;
      const other = request(port, 'other.paas.local', '/o', { headers: JSON_ACCEPT }).finally(() => (otherDone = true));
      await until(() => edge.wakes.some((w) => w.app === 'other'), 'the other app’s wake');
      await sleep(200);
      assert.equal(otherDone, false, 'another app has a queue of its own');
      assert.equal(settled.size, 0, 'refusing the overflow released none of the held requests');
      assert.equal(edge.wakes.filter((w) => w.app === 'nap').length, 1, 'refused requests ask for no wake');

      await edge.wake('nap', 'nap.paas.local');
      await edge.wake('other', 'other.paas.local');
      const replies = await Promise.all(held);
      assert.deepEqual(
        replies.map((r) => `${r.status} ${r.body}`),
        Array.from({ length: QUEUE }, (_, i) => `200 woken GET /held${i}`),
      );
      assert.equal((await other).body, 'woken GET /o');
      assert.equal(edge.app.seen.length - seenBefore, QUEUE + 1, 'the held requests reached the app once each, the refused ones never');
      const awake = await request(port, 'nap.paas.local', '/after', { headers: JSON_ACCEPT });
      assert.equal(awake.body, 'woken GET /after', 'an awake app takes requests again');
    });

    it('frees a place in the queue when a held request is answered', async () => {
      const { port } = edge;
      await edge.asleep('nap2', 'nap2.paas.local');
      const held = Array.from({ length: QUEUE }, (_, i) => request(port, 'nap2.paas.local', `/h${i}`, { headers: JSON_ACCEPT }));
      await until(() => edge.wakes.some((w) => w.app === 'nap2'), 'the wake');
      await sleep(500);
      assert.equal((await timed(port, 'nap2.paas.local', '/full', JSON_ACCEPT)).status, 503);
      await edge.wake('nap2', 'nap2.paas.local');
      assert.deepEqual(
        (await Promise.all(held)).map((r) => r.status),
        [200, 200, 200],
      );
      // Asleep again: the queue is empty, so QUEUE requests are held once more (none refused).
      await edge.asleep('nap2', 'nap2.paas.local');
      const wakesBefore = edge.wakes.length;
      const heldAgain = Array.from({ length: QUEUE }, (_, i) => request(port, 'nap2.paas.local', `/a${i}`, { headers: JSON_ACCEPT }));
      await until(() => edge.wakes.length > wakesBefore, 'a new wake');
      await sleep(500);
      await edge.wake('nap2', 'nap2.paas.local');
      assert.deepEqual(
        (await Promise.all(heldAgain)).map((r) => r.body),
        Array.from({ length: QUEUE }, (_, i) => `woken GET /a${i}`),
      );
    });
  });

  describe(`wake wait bound (${engine} engine)`, () => {
    const TIMEOUT_MS = 1500;
    // Node timers fire on a millisecond clock: allow for its rounding, nothing more.
    const EARLIEST = TIMEOUT_MS - 10;
    const LATEST = TIMEOUT_MS + 4000;
    const retryAfter = String(Math.ceil(TIMEOUT_MS / 1000));
    let edge: Edge;

    before(async () => {
      edge = await startEdge(engine, { GATEWAY_WAKE_TIMEOUT_MS: String(TIMEOUT_MS) });
      await edge.asleep('stuck', 'stuck.paas.local');
    });
    after(async () => {
      await edge.stop();
    });

    it('answers a held request 503 with Retry-After once the wait has passed', async () => {
      const { port } = edge;
      const [api, browser] = await Promise.all([
        timed(port, 'stuck.paas.local', '/api', JSON_ACCEPT),
        timed(port, 'stuck.paas.local', '/page', HTML_ACCEPT),
      ]);
      assertWaking(api, false, retryAfter);
      assertWaking(browser, true, retryAfter);
      for (const r of [api, browser]) {
        assert.ok(r.ms >= EARLIEST, `held for the whole wait, answered after ${r.ms} ms`);
        assert.ok(r.ms < LATEST, `answered soon after the wait, not after ${r.ms} ms`);
      }
      assert.ok(
        edge.wakes.some((w) => w.app === 'stuck'),
        'a wake was asked for',
      );
      assert.equal(edge.app.seen.filter((h) => h.host === 'stuck.paas.local').length, 0);
      // The connection is still usable after the refusal.
      const next = await timed(port, 'stuck.paas.local', '/next', JSON_ACCEPT);
      assertWaking(next, false, retryAfter);
      assert.ok(next.ms >= EARLIEST, `a later request is held again (${next.ms} ms)`);
    });

    it('answers a held HEAD with the head alone', async () => {
      const r = await raw(
        edge.port,
        'HEAD /head HTTP/1.1\r\nHost: stuck.paas.local\r\nAccept: application/json\r\nConnection: close\r\n\r\n',
        LATEST + 1000,
      );
      assert.ok(r.closed, `the gateway closed the connection (got ${JSON.stringify(r.data)})`);
      assert.ok(r.ms >= EARLIEST && r.ms < LATEST, `answered after the wait (${r.ms} ms)`);
      const res = parse(r.data);
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], retryAfter);
      assert.equal(res.body, '', 'no body after a HEAD');
      const get = JSON.stringify({ error: { code: 'DF_ERR_APP_WAKING', message: WAKING.message } });
      assert.equal(res.headers['content-length'], String(Buffer.byteLength(get)), 'the length a GET would have');
    });

    for (const html of [false, true]) {
      it(`answers a held WebSocket upgrade 503 on the socket after the wait${html ? ' (browser)' : ''}`, async () => {
        const r = await raw(edge.port, wsUpgrade('stuck.paas.local', html ? `Accept: ${HTML_ACCEPT.accept}\r\n` : ''), LATEST + 1000);
        assert.ok(r.closed, `the gateway answered and closed the socket, not left it hanging (got ${JSON.stringify(r.data)})`);
        assert.ok(r.ms >= EARLIEST, `held for the whole wait, answered after ${r.ms} ms`);
        assert.ok(r.ms < LATEST, `answered soon after the wait, not after ${r.ms} ms`);
        const res = parse(r.data);
        assert.equal(res.headers['connection'], 'close');
        assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)));
        assertWaking(res, html, retryAfter);
        assert.equal(edge.app.seen.filter((h) => h.host === 'stuck.paas.local').length, 0, 'nothing reached an app');
      });
    }
  });
}
