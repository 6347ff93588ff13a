// ACME for real, on loopback: Pebble (an RFC 8555 CA) resolves the custom domain through our own
// DNS server, fetches the HTTP-01 challenge through our gateway, and issues; the gateway then
// serves the issued certificate for that name over HTTPS, and a renewal pass issues a new one
// when the old one is near its end. A CA that cannot validate leaves nothing behind.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { renewAcmeCertificates, RENEW_WITHIN_MS } from '../control/domains/acme.js';
import { startDns } from '../dns/index.js';
import { acmeDomains } from '../common/certificates/index.js';
import { startGateway } from '../gateway/index.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { startPebble, type TestPebble } from './support/pebble.js';
import { freePort } from './support/ports.js';
import { startRedis, type TestRedis } from './support/redis.js';

const DOMAIN = 'shop.example.test';

/** The certificate the gateway presents for `servername` (verification off: we inspect it). */
function servedCertificate(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.destroy();
      if (raw) resolve(raw);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}

describe('ACME certificates for custom domains', () => {
  let redis: TestRedis;
  let control: TestControl;
  let pebble: TestPebble;
  let broken: TestPebble;
  let gateway: RunningService;
  let dns: RunningService;
  let app: http.Server;
  let httpsPort: number;
  let owner: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    redis = await startRedis();
    const gatewayHttpPort = await freePort();
    httpsPort = await freePort();
    const dnsPort = await freePort();
    // The CA validates on the gateway's HTTP port and asks our resolver where the domain is.
    pebble = await startPebble({ httpPort: gatewayHttpPort, dnsServer: `127.0.0.1:${dnsPort}` });
    // One that looks on a port where nothing answers: every validation fails there.
    broken = await startPebble({ httpPort: await freePort(), dnsServer: `127.0.0.1:${dnsPort}` });
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GATEWAY_HTTP_PORT: String(gatewayHttpPort),
      GATEWAY_HTTPS_PORT: String(httpsPort),
      DNS_PORT: String(dnsPort),
      DEPLOYFLOW_ACME_DIRECTORY: pebble.directoryUrl,
      DEPLOYFLOW_ACME_CA_FILE: pebble.caFile,
      DEPLOYFLOW_ACME_EMAIL: 'ops@example.test',
    });
    gateway = await startGateway(control.config, createLogger('gateway', 'silent'));
    dns = await startDns(control.config, createLogger('dns', 'silent'));
    app = http.createServer((_req, res) => res.end('shop'));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    owner = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: 'shop' })).status, 201);
    // The app is live (as a release would leave it), then gets its custom domain through the API.
    await control.service.deps.routes!.setAppRoutes(
      'shop',
      ['shop.paas.test'],
      [{ host: '127.0.0.1', port: (app.address() as AddressInfo).port }],
    );
    assert.equal((await owner.post('/api/v1/apps/shop/domains', { domain: DOMAIN })).status, 201);
  });

  after(async () => {
    await Promise.allSettled([gateway?.stop(), dns?.stop()]);
    app?.close();
    await control?.stop();
    await Promise.allSettled([pebble?.stop(), broken?.stop()]);
    await redis?.stop();
  });

  it('issues through the gateway and the resolver, and the gateway serves the new certificate', async () => {
    const before = await servedCertificate(httpsPort, DOMAIN);
    assert.doesNotMatch(before.issuer, /Pebble/, 'the local CA signs it until then');
    const res = await owner.post(`/api/v1/apps/shop/domains/${DOMAIN}/certificate/acme`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.domain, DOMAIN);
    assert.match(res.body.issuer, /Pebble Intermediate CA/);
    let served = await servedCertificate(httpsPort, DOMAIN);
    for (let i = 0; i < 50 && !/Pebble/.test(served.issuer); i++) {
      await new Promise((r) => setTimeout(r, 20));
      served = await servedCertificate(httpsPort, DOMAIN);
    }
    assert.match(served.issuer, /Pebble Intermediate CA/);
    assert.equal(served.checkHost(DOMAIN), DOMAIN);
    assert.equal(new Date(served.validTo).toISOString(), res.body.notAfter);
    const audit = (await owner.get('/api/v1/audit')).body as Array<{ action: string }>;
    assert.ok(audit.some((e) => e.action === 'app.domain.acme'));
    assert.deepEqual(
      (await acmeDomains(control.service.deps.redis!)).map((d) => d.domain),
      [DOMAIN],
    );
  });

  it('renews a certificate near its end and leaves the others alone', async () => {
    const first = await servedCertificate(httpsPort, DOMAIN);
    const deps = control.service.deps;
    assert.deepEqual(await renewAcmeCertificates(deps, Date.now()), { renewed: [], failed: [] }, 'years left: nothing to do');
    const nearEnd = Date.parse(first.validTo) - RENEW_WITHIN_MS + 60_000;
    assert.deepEqual(await renewAcmeCertificates(deps, nearEnd), { renewed: [DOMAIN], failed: [] });
    let served = await servedCertificate(httpsPort, DOMAIN);
    for (let i = 0; i < 50 && served.serialNumber === first.serialNumber; i++) {
      await new Promise((r) => setTimeout(r, 20));
      served = await servedCertificate(httpsPort, DOMAIN);
    }
    assert.notEqual(served.serialNumber, first.serialNumber, 'a new certificate is served');
  });

  it('a CA that cannot validate answers DF_ERR_ACME_FAILED with its reason; the served certificate stays', async () => {
    const current = await servedCertificate(httpsPort, DOMAIN);
    const failing = await startTestControl(
      {
        REDIS_URL: redis.url,
        DEPLOYFLOW_TEST_SHARED_SQLITE: 'on',
        DEPLOYFLOW_DOMAIN: 'paas.test',
        DEPLOYFLOW_ACME_DIRECTORY: broken.directoryUrl,
        DEPLOYFLOW_ACME_CA_FILE: broken.caFile,
      },
      control.dataDir,
    );
    try {
      const user = new Client(failing.url, owner.token);
      const res = await user.post(`/api/v1/apps/shop/domains/${DOMAIN}/certificate/acme`);
      assert.equal(res.status, 502, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'DF_ERR_ACME_FAILED');
      assert.match(res.body.error.message, new RegExp(`ACME order for ${DOMAIN.replaceAll('.', '\\.')} failed: .+`));
    } finally {
      await failing.stop(false);
    }
    assert.equal((await servedCertificate(httpsPort, DOMAIN)).serialNumber, current.serialNumber);
  });

  it('forgets, rather than renews, the domain of an app that is gone', async () => {
    const deps = control.service.deps;
    const redis = deps.redis!;
    await redis.hset('deployflow:acme:domains', 'old.example.test', String(Date.now()));
    assert.deepEqual(await renewAcmeCertificates(deps, Date.now()), { renewed: [], failed: [] });
    assert.deepEqual(
      (await acmeDomains(redis)).map((d) => d.domain),
      [DOMAIN],
    );
  });

  it('serves the local CA certificate the gateway published in Redis, not a file on its own disk', async () => {
    // In the compose and multi-node layouts control does not share the gateway's data folder.
    const file = path.join(control.dataDir, 'tls', 'ca.crt');
    const pem = fs.readFileSync(file, 'utf8');
    fs.renameSync(file, `${file}.away`);
    try {
      const res = await fetch(`${control.url}/api/v1/tls/ca.pem`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), pem);
    } finally {
      fs.renameSync(`${file}.away`, file);
    }
  });

  it('refuses a domain the app does not have, and strangers', async () => {
    assert.equal((await owner.post('/api/v1/apps/shop/domains/other.example.test/certificate/acme')).status, 404);
    const stranger = await registerUser(control.url);
    assert.equal((await stranger.post(`/api/v1/apps/shop/domains/${DOMAIN}/certificate/acme`)).status, 404);
  });
});
