// Request metrics end to end: a real gateway proxies traffic by Host to a loopback upstream,
// publishes its counters to Redis, control turns them into rate, status classes and latency
// percentiles, serves them from GET /apps/:name/metrics and the metrics room, and the
// dashboard's Metrics tab draws a fourth chart from them.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import type { RequestSample } from '../control/runtime/requests.js';
import { startGateway } from '../gateway/index.js';
import { ensureDashboardBuilt, launchBrowser } from './support/chromium.js';
import { Client, startTestControl, type TestControl } from './support/control.js';
import { freePort } from './support/ports.js';
import { connectSocket } from './support/realtime.js';
import { startRedis, type TestRedis } from './support/redis.js';

const APP = 'metered';
const QUIET = 'quiet-app';
const HOST = `${APP}.paas.test`;
const TOTAL = 100;
const MISSING = 10;
const UPSTREAM_DELAY_MS = 15;

interface MetricsAnswer {
  samples: unknown[];
  requests: RequestSample[];
  gateways: number;
}

/** Polls `probe` every 100 ms until it returns a value, at most `timeoutMs`. */
async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('gateway request metrics', () => {
  let redis: TestRedis;
  let probe: Redis;
  let control: TestControl;
  let gateway: RunningService;
  let gatewayPort: number;
  let upstream: http.Server;
  let owner: Client;
  let session: unknown;

  /** One GET through the gateway by Host (fetch would not send our Host header). */
  const viaGateway = (path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: gatewayPort, path, headers: { host: HOST }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
    });
  const metrics = async (app = APP, since = 0): Promise<MetricsAnswer> => {
    const res = await owner.get<MetricsAnswer>(`/api/v1/apps/${app}/metrics?since=${since}`);
    assert.equal(res.status, 200);
    return res.body;
  };

  before(async () => {
    redis = await startRedis();
    probe = new Redis(redis.url);
    // The reconciler would converge the container-less app (and its route) on its own timer.
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '3600',
    });
    const reg = await new Client(control.url).post('/api/v1/auth/register', {
      email: 'metrics@example.test',
      password: 'correct horse battery',
    });
    assert.equal(reg.status, 201);
    session = reg.body;
    owner = new Client(control.url, reg.body.accessToken as string);
    for (const name of [APP, QUIET]) assert.equal((await owner.post('/api/v1/apps', { name })).status, 201);
    // A tiny app on loopback: every answer takes at least UPSTREAM_DELAY_MS, /missing is a 404.
    upstream = http.createServer((req, res) => {
      setTimeout(() => {
        res.statusCode = req.url === '/missing' ? 404 : 200;
        res.end('ok');
      }, UPSTREAM_DELAY_MS);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const upstreamPort = (upstream.address() as { port: number }).port;
    await createRoutePublisher(probe).setRoute(HOST, { app: APP, upstreams: [{ host: '127.0.0.1', port: upstreamPort }], tls: false });
    gatewayPort = await freePort();
    gateway = await startGateway(
      { ...control.config, gatewayHttpPort: gatewayPort, gatewayHttpsPort: await freePort() },
      createLogger('gateway', 'silent'),
    );
  });
  after(async () => {
    await gateway?.stop();
    probe?.disconnect();
    await control?.stop();
    await redis?.stop();
    upstream?.close();
  });

  it('reports the requests sent through the gateway: rate, status classes, latency, live and by API', async () => {
    // The first report of a gateway is its baseline; wait until control has seen it.
    await until('the gateway to report', async () => (await metrics()).gateways >= 1);
    const socket = await connectSocket(control.url, owner.token!);
    const live: { app: string; sample: RequestSample }[] = [];
    socket.socket.on('app:requests', (e: { app: string; sample: RequestSample }) => live.push(e));
    assert.deepEqual(await socket.request('subscribe', { app: APP, stream: 'metrics' }), { ok: true });

    // 20 requests a second for 5 s: at least one 2 s gateway window lies wholly inside the traffic.
    const statuses: Promise<number>[] = [];
    for (let i = 0; i < TOTAL; i++) {
      statuses.push(viaGateway(i % (TOTAL / MISSING) === 0 ? '/missing' : '/'));
      await new Promise((r) => setTimeout(r, 50));
    }
    const answered = await Promise.all(statuses);
    assert.equal(answered.filter((s) => s === 200).length, TOTAL - MISSING);
    assert.equal(answered.filter((s) => s === 404).length, MISSING);

    const { requests } = await until('control to count every request', async () => {
      const m = await metrics();
      return m.requests.at(-1)?.total === TOTAL ? m : null;
    });
    // One gateway: each sample is one window, so the windows add up to the traffic exactly.
    const sum = (f: (s: RequestSample) => number): number => requests.reduce((a, s) => a + f(s), 0);
    assert.equal(
      sum((s) => s.requests),
      TOTAL,
    );
    assert.equal(
      sum((s) => s.status['2xx']),
      TOTAL - MISSING,
    );
    assert.equal(
      sum((s) => s.status['4xx']),
      MISSING,
    );
    assert.equal(
      sum((s) => s.status['5xx']),
      0,
    );
    assert.ok(requests.every((s) => s.gateways <= 1));
    const peak = Math.max(...requests.map((s) => s.ratePerSecond));
    assert.ok(peak >= 12 && peak <= 28, `peak rate ${peak} req/s, sent at 20 req/s`);
    for (const s of requests.filter((x) => x.requests > 0)) {
      // The upstream takes ≥ 15 ms, so no percentile can sit in the 0-10 ms bucket.
      assert.ok(s.p50Ms !== null && s.p50Ms >= 10 && s.p50Ms <= 250, `p50 ${s.p50Ms} ms`);
      assert.ok(s.p99Ms !== null && s.p99Ms >= s.p50Ms && s.p99Ms < 1000, `p99 ${s.p99Ms} ms`);
    }
    assert.deepEqual((await metrics(APP, requests.at(-1)!.at)).requests, [], 'since filters like the Docker samples');
    assert.deepEqual((await metrics(QUIET)).requests, []);

    const counted = live.filter((e) => e.app === APP).reduce((a, e) => a + e.sample.requests, 0);
    assert.ok(counted > 0, 'samples arrive live on the metrics room');
    socket.close();
  });

  it('draws the request chart on the Metrics tab, and a note for an app without traffic', async () => {
    await ensureDashboardBuilt();
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(control.url);
      await page.evaluate((s) => localStorage.setItem('deployflow.session', JSON.stringify(s)), session);
      await page.goto(`${control.url}/apps/${APP}/metrics`);
      const chart = page.getByRole('figure', { name: 'Requests chart' });
      await chart.locator('canvas').waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('canvas').count(), 4);
      assert.match(await page.getByTestId('request-count').innerText(), new RegExp(`^${TOTAL} requests`));
      const painted = await chart.locator('canvas').evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n += 1;
        return n;
      });
      assert.ok(painted > 1000, `the request chart looks empty (${painted} painted pixels)`);
      await page.goto(`${control.url}/apps/${QUIET}/metrics`);
      await page.getByTestId('requests-note').waitFor();
      assert.match(await page.getByTestId('requests-note').innerText(), /No request has reached this app/);
      assert.equal(await page.locator('canvas').count(), 3);
    } finally {
      await browser.close();
    }
  });
});
