// Several gateways on one Redis present certificates from ONE local CA — the one control serves
// for download — even when one of them already had a CA of its own on disk.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, it } from 'node:test';
import type { Config } from '../common/config/config.js';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig } from '../gateway/testing/harness.js';
import { loadOrCreateLocalCa } from '../gateway/tls/ca.js';
import { startTestControl, type TestControl } from './support/control.js';
import { startRedis, type TestRedis } from './support/redis.js';

let redis: TestRedis;
let control: TestControl;
const gateways: { config: Config; service: RunningService }[] = [];
let ownCa: string;

before(async () => {
  redis = await startRedis();
  control = await startTestControl({ REDIS_URL: redis.url });
  const first = await gatewayConfig(redis.url);
  const second = await gatewayConfig(redis.url);
  // The second one was in use before: a CA of its own on its disk.
  ownCa = loadOrCreateLocalCa(path.join(second.dataDir, 'tls'), second.domain).ca.cert;
  for (const config of [first, second]) gateways.push({ config, service: await startGateway(config, createLogger('gateway', 'silent')) });
});
after(async () => {
  for (const g of gateways) await g.service.stop();
  await control.stop(true);
  await redis.stop();
});

function servedCertificate(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}

it("every gateway's certificates chain to the one CA control serves", async () => {
  const res = await fetch(`${control.url}/api/v1/tls/ca.pem`);
  assert.equal(res.status, 200);
  const ca = new X509Certificate(await res.text());
  for (const { config } of gateways) {
    for (const name of ['paas.local', 'deeper.web.paas.local']) {
      const cert = await servedCertificate(config.gatewayHttpsPort, name);
      assert.ok(
        cert.checkIssued(ca) && cert.verify(ca.publicKey),
        `${name} on gateway ${config.gatewayHttpsPort} is signed by the served CA`,
      );
    }
    // Kept on disk too, so a gateway started while Redis is away serves the same CA.
    assert.equal(new X509Certificate(fs.readFileSync(path.join(config.dataDir, 'tls', 'ca.crt'))).fingerprint256, ca.fingerprint256);
  }
  assert.notEqual(
    new X509Certificate(ownCa).fingerprint256,
    ca.fingerprint256,
    "the first gateway's CA is the shared one, not the later one's own",
  );
});
