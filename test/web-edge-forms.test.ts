// The Edge tab's plugin forms other than rate-limit and basic-auth (test/web-edge.test.ts drives
// those), in Debian's Chromium against a real control, a deployed app and a real gateway: each
// form is filled and saved like a user would, then the app's settings as GET /apps/:name returns
// them and the plugin's effect on a request through the gateway are checked — ip-filter's 403,
// headers' added response header, redirect's Location, cors' preflight, compress's gzip and
// cache's HIT. A value the API refuses shows the 400 on its field and saves nothing.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig, request, type Reply } from '../gateway/testing/harness.js';
import { opsApp, startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';
import { ensureDashboardBuilt, launchBrowser, SCREENSHOT_DIR } from './support/chromium.js';

const APP = 'edgy-forms';
const HOST = `${APP}.paas.test`;
// Counts its answers, so a cached answer (same count) is told from a fresh one; /big is a large
// text answer for compress. Lengths are given: compress leaves alone only bodies known to be small.
const SERVER_JS = `
const http = require('node:http');
let n = 0;
http.createServer((req, res) => {
  n += 1;
  const body = req.url === '/big' ? 'deployflow edge '.repeat(1000) : 'answer ' + n + ' ' + req.method + ' ' + req.url + '\\n';
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

/** A GET whose body is kept as bytes (a gzip body is not text). */
function rawGet(
  port: number,
  p: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, headers: { host: HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

describe('the Edge tab’s plugin forms', () => {
  let s: OpsStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let gateway: RunningService;
  let port: number;
  const chain = () => page.getByRole('region', { name: 'Plugin chain' });
  const plugin = (name: string) => chain().getByRole('listitem', { name: `Plugin 1: ${name}` });
  const plugins = async () => ((await s.owner.get(`/api/v1/apps/${APP}`)).body as { plugins: { name: string; config: unknown }[] }).plugins;
  const through = (p = '/', init: { method?: string; headers?: Record<string, string> } = {}) => request(port, HOST, p, init);
  /** Waits until the gateway answers `p` the way `ok` wants (it applies a saved chain within moments). */
  const gatewayShows = (
    what: string,
    ok: (r: Reply) => boolean,
    p = '/',
    init: { method?: string; headers?: Record<string, string> } = {},
  ) =>
    waitFor(async () => {
      const r = await through(p, init);
      return ok(r) && r;
    }, what);

  const add = async (name: string) => {
    await chain().getByLabel('Add a plugin').selectOption(name);
    await chain().getByRole('button', { name: 'Add', exact: true }).click();
    await plugin(name).waitFor();
  };
  const save = async () => {
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await chain().getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  };
  /** Removes the (only) plugin and saves: the gateway then answers plainly again. */
  const removeAndSave = async (name: string) => {
    await plugin(name).getByRole('button', { name: 'Remove' }).click();
    await save();
    assert.deepEqual(await plugins(), []);
    await gatewayShows('the plain answer', (r) => r.status === 200 && r.body.startsWith('answer '));
  };

  before(async () => {
    await ensureDashboardBuilt();
    s = await startOpsStack();
    const created = await s.owner.post('/api/v1/apps', { name: APP, port: 8080, limits: { memoryMb: 64, cpus: 0.5 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const commit = await s.repo.commit({ ...opsApp(s.base, 'v1'), 'server.js': SERVER_JS });
    const { done } = await s.control.service.deps.deploy!.enqueue({
      app: APP,
      source: { kind: 'build', spec: { kind: 'git', repo: s.repo.bare, commit } },
      origin: 'git',
      commit,
      ref: 'refs/heads/main',
      createdBy: s.owner.userId,
    });
    const result = await done;
    assert.equal(result.status, 'running', result.error ?? '');
    const config = await gatewayConfig(s.redis.url, { DEPLOYFLOW_DOMAIN: 'paas.test', GATEWAY_ACCESS_LOG: 'off' });
    port = config.gatewayHttpPort;
    gateway = await startGateway(config, createLogger('gateway', 'silent'));
    await gatewayShows('the app through the gateway', (r) => r.status === 200 && r.body.startsWith('answer '));

    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(s.control.url);
    await page.getByLabel('Email').fill(s.owner.email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await page.goto(`${s.control.url}/apps/${APP}/edge`);
    await chain().waitFor();
  });

  after(async () => {
    await page?.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-edge-forms.png'), fullPage: true }).catch(() => undefined);
    await browser?.close();
    await gateway?.stop();
    await s?.cleanup([APP]);
  });

  it('ip-filter: an address that does not parse is shown on its field and saves nothing; denying 127.0.0.1/8 gives 403', async () => {
    await add('ip-filter');
    const deny = plugin('ip-filter').getByLabel('Deny (one CIDR or address per line)');
    await deny.fill('127.0.0.1/33');
    await chain().getByRole('button', { name: 'Save the chain' }).click();
    await plugin('ip-filter')
      .getByText('Deny (one CIDR or address per line)')
      .getByRole('alert')
      .filter({ hasText: 'not an address or CIDR: "127.0.0.1/33"' })
      .waitFor();
    assert.equal(await chain().getByRole('status').count(), 0, 'not saved');
    assert.deepEqual(await plugins(), []);
    assert.equal((await through('/')).status, 200);

    await deny.fill('127.0.0.1/8');
    await save();
    assert.deepEqual(await plugins(), [{ name: 'ip-filter', config: { allow: [], deny: ['127.0.0.1/8'] } }]);
    const refused = await gatewayShows('403 for 127.0.0.1', (r) => r.status === 403);
    assert.doesNotMatch(refused.body, /^answer /);
    await removeAndSave('ip-filter');
  });

  it('headers: a response header set in the form arrives with the answer', async () => {
    await add('headers');
    await plugin('headers').getByLabel('Response: set (Name: value per line)').fill('X-Edge-Test: from the form\nX-Second: two');
    await save();
    assert.deepEqual(await plugins(), [
      { name: 'headers', config: { response: { add: { 'X-Edge-Test': 'from the form', 'X-Second': 'two' } } } },
    ]);
    const r = await gatewayShows('the added header', (x) => x.headers['x-edge-test'] !== undefined);
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-edge-test'], 'from the form');
    assert.equal(r.headers['x-second'], 'two');
    assert.match(r.body, /^answer /);
    await removeAndSave('headers');
  });

  it('redirect: a path prefix redirect answers 307 with the new Location (HTTPS off, not permanent)', async () => {
    await add('redirect');
    const form = plugin('redirect');
    await form.getByLabel('HTTP to HTTPS').uncheck();
    await form.getByLabel('Path prefixes (/old -> /new per line)').fill('/old -> /new');
    await form.getByLabel('Permanent (308; else 307)').uncheck();
    await save();
    assert.deepEqual(await plugins(), [{ name: 'redirect', config: { prefixes: [{ from: '/old', to: '/new' }], permanent: false } }]);
    const r = await gatewayShows('the redirect', (x) => x.status !== 200, '/old/page?x=1');
    assert.equal(r.status, 307);
    assert.match(r.headers.location ?? '', /^(http:\/\/edgy-forms\.paas\.test(:\d+)?)?\/new\/page\?x=1$/);
    assert.match((await through('/elsewhere')).body, /^answer \d+ GET \/elsewhere/, 'other paths reach the app');
    await removeAndSave('redirect');
  });

  it('cors: a preflight from an allowed origin gets it back, another origin does not', async () => {
    await add('cors');
    const form = plugin('cors');
    await form.getByLabel('Origins (comma-separated, or *)').fill('https://shop.example.com');
    await form.getByLabel('Methods').fill('GET, PUT');
    await form.getByLabel('Preflight max age (s)').fill('120');
    await save();
    assert.deepEqual(await plugins(), [
      {
        name: 'cors',
        config: { origins: ['https://shop.example.com'], methods: ['GET', 'PUT'], credentials: false, maxAgeSeconds: 120 },
      },
    ]);
    const preflight = (origin: string) => ({
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT' },
    });
    const r = await gatewayShows(
      'the preflight answer',
      (x) => x.headers['access-control-allow-origin'] !== undefined,
      '/api',
      preflight('https://shop.example.com'),
    );
    assert.ok(r.status === 204 || r.status === 200, String(r.status));
    assert.equal(r.headers['access-control-allow-origin'], 'https://shop.example.com');
    assert.match(r.headers['access-control-allow-methods'] ?? '', /PUT/);
    assert.equal(r.headers['access-control-max-age'], '120');
    const other = await through('/api', preflight('https://evil.example.com'));
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    await removeAndSave('cors');
  });

  it('compress: a large text answer comes gzipped to a client that accepts gzip, a small one (below the minimum set) does not', async () => {
    await add('compress');
    await plugin('compress').getByLabel('Smallest body compressed (bytes)').fill('2048');
    await save();
    const [stored] = await plugins();
    assert.equal(stored!.name, 'compress');
    assert.equal((stored!.config as { minBytes: number }).minBytes, 2048);
    const big = await waitFor(async () => {
      const r = await rawGet(port, '/big', { 'accept-encoding': 'gzip' });
      return r.headers['content-encoding'] === 'gzip' && r;
    }, 'a gzipped answer');
    assert.equal(big.status, 200);
    assert.equal(gunzipSync(big.body).toString(), 'deployflow edge '.repeat(1000));
    assert.ok(big.body.length < 1000, `${big.body.length} bytes`);
    const small = await rawGet(port, '/', { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.match(small.body.toString(), /^answer /);
    const plain = await rawGet(port, '/big', {});
    assert.equal(plain.headers['content-encoding'], undefined);
    await removeAndSave('compress');
  });

  it('cache: with a default lifetime set in the form, the second request is a HIT with the first answer', async () => {
    await add('cache');
    const form = plugin('cache');
    await form.getByLabel('Entries kept').fill('50');
    await form.getByLabel('Lifetime without max-age (s, 0: none)').fill('60');
    await save();
    const [stored] = await plugins();
    assert.equal(stored!.name, 'cache');
    const config = stored!.config as { maxEntries: number; defaultTtlSeconds: number };
    assert.equal(config.maxEntries, 50);
    assert.equal(config.defaultTtlSeconds, 60);
    const first = await gatewayShows('a MISS stored', (x) => x.headers['x-cache'] === 'MISS', '/cached');
    const second = await through('/cached');
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(second.body, first.body, 'the app was not asked again');
    await removeAndSave('cache');
    assert.notEqual((await through('/cached')).body, first.body, 'without the cache the app answers anew');
  });
});
