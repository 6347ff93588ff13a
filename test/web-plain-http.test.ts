// The dashboard as `make up` prints it: http://<domain> through the gateway, no TLS. Chromium
// resolves the platform's name to loopback (as the host's resolver does after `make up`), loads
// the dashboard over plain http, and a user signs in. The security headers that only make sense
// over https (HSTS, upgrade-insecure-requests) are sent over https and never over http, where
// they would send the browser to fetch the dashboard's scripts from an https it may not trust.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { startGateway } from '../gateway/index.js';
import { ensureDashboardBuilt, launchBrowser } from './support/chromium.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { freePort } from './support/ports.js';
import { startRedis, type TestRedis } from './support/redis.js';

const DOMAIN = 'paas.local';

type Headers = http.IncomingHttpHeaders;

/** One GET of `/` by the platform's name, over http or https (fetch would not send our Host header). */
function get(port: number, ca?: string): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: '/', headers: { host: DOMAIN }, agent: false };
    const done = (res: http.IncomingMessage) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    };
    const req = ca ? https.get({ ...options, servername: DOMAIN, ca }, done) : http.get(options, done);
    req.once('error', reject);
  });
}

describe('the dashboard over plain http through the gateway', () => {
  let redis: TestRedis;
  let control: TestControl;
  let gateway: RunningService;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let httpPort = 0;
  let httpsPort = 0;
  let user: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    await ensureDashboardBuilt();
    redis = await startRedis();
    httpPort = await freePort();
    httpsPort = await freePort();
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: DOMAIN,
      GATEWAY_HTTP_PORT: String(httpPort),
      GATEWAY_HTTPS_PORT: String(httpsPort),
    });
    gateway = await startGateway(control.config, createLogger('gateway', 'silent'));
    user = await registerUser(control.url);
    // The apex route reaches the gateway through Redis: wait until the dashboard answers there.
    const deadline = Date.now() + 15_000;
    while ((await get(httpPort).catch(() => null))?.status !== 200) {
      if (Date.now() > deadline) throw new Error('the apex route never reached the gateway');
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchBrowser([`--host-resolver-rules=MAP ${DOMAIN} 127.0.0.1`]);
    page = await browser.context.newPage();
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await control?.stop();
    await redis?.stop();
  });

  it('renders the sign-in page at http://<domain> and signs in', async () => {
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(`http://${DOMAIN}:${httpPort}/`);
    const signIn = page.getByRole('form', { name: 'Sign in' });
    await signIn.waitFor({ timeout: 10_000 }).catch(() => {
      throw new Error(`no sign-in form over http; failed requests: ${failed.join(', ') || 'none'}`);
    });
    await signIn.getByLabel('Email').fill(user.email);
    await signIn.getByLabel('Password').fill('correct horse battery');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Account' }).first().waitFor();
    assert.deepEqual(
      failed.filter((f) => f.startsWith('https:')),
      [],
      'nothing was fetched over https',
    );
    assert.equal(new URL(page.url()).protocol, 'http:');
  });

  it('sends HSTS and upgrade-insecure-requests over https only', async () => {
    const overHttp = (await get(httpPort)).headers;
    assert.equal(overHttp['strict-transport-security'], undefined);
    assert.doesNotMatch(String(overHttp['content-security-policy']), /upgrade-insecure-requests/);
    assert.match(String(overHttp['content-security-policy']), /script-src 'self'/);
    assert.equal(overHttp['x-content-type-options'], 'nosniff');

    const ca = await (await fetch(`${control.url}/api/v1/tls/ca.pem`)).text();
    const overHttps = (await get(httpsPort, ca)).headers;
    assert.match(String(overHttps['strict-transport-security']), /max-age=\d+/);
    assert.doesNotMatch(
      String(overHttps['strict-transport-security']),
      /includeSubDomains/i,
      'the apex does not decide for the apps below it',
    );
    assert.match(String(overHttps['content-security-policy']), /upgrade-insecure-requests/);
  });
});
