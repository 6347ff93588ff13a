// The gateway at its edges: TLS with SNI, WebSockets, hostile HTTP, graceful shutdown.
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import https from 'node:https';
import { mkdtempSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Config } from '../common/config/config.js';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher, type RoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { readLocalCaCertificate, setCustomCertificate } from '../common/certificates/index.js';
import { startGateway } from './index.js';
import { gatewayConfig, request, startUpstream, until, type Upstream } from './testing/harness.js';
import { loadOrCreateLocalCa } from './tls/ca.js';

let redis: TestRedis;
let client: Redis;
let pub: RoutePublisher;
let config: Config;
let gateway: RunningService;
let app: Upstream;
let port: number;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  pub = createRoutePublisher(client);
  process.env.GATEWAY_MAX_BODY_MB = '1';
  process.env.GATEWAY_UPSTREAM_TIMEOUT_MS = '1000';
  config = await gatewayConfig(redis.url);
  gateway = await startGateway(config, createLogger('gateway', 'silent'));
  delete process.env.GATEWAY_MAX_BODY_MB;
  delete process.env.GATEWAY_UPSTREAM_TIMEOUT_MS;
  port = config.gatewayHttpPort;
  app = await startUpstream('app');
  const up = [{ host: '127.0.0.1', port: app.port }];
  await pub.setAppRoutes('web', ['web.paas.local', 'v2.web.paas.local', 'shop.example.com', 'custom.example.org', 'github.com'], up, {
    tls: true,
  });
  await until(async () => (await request(port, 'web.paas.local')).status === 200, 'route');
});
after(async () => {
  await app.close();
  client.disconnect();
  await redis.stop();
});

/** Sends raw bytes and returns everything the gateway answers until it closes (bounded). */
function raw(data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.write(data);
    // The end of our request: a server waiting for more would otherwise hold the test.
    setTimeout(() => socket.end(), 300);
  });
}

const status = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

/** An HTTPS GET through the gateway with SNI and Host `servername`, trusting only `trust`. */
function httpsGet(servername: string, trust: string) {
  return new Promise<{ body: string; san: string }>((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: config.gatewayHttpsPort, servername, ca: trust, headers: { host: servername }, agent: false },
      (res) => {
        const san = (res.socket as tls.TLSSocket).getPeerCertificate().subjectaltname ?? '';
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ body, san }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The certificate the gateway presents for `servername` (verification off: we inspect it). */
function servedCertificate(servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: config.gatewayHttpsPort, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}

/** The CA certificate as control serves it: the one the gateway published in Redis. */
async function localCa(): Promise<string> {
  const pem = await readLocalCaCertificate(client);
  assert.ok(pem, 'the gateway published its CA certificate');
  return pem;
}

void test('TLS: two SNI names get their own certificates, trusted through the local CA', async () => {
  const ca = await localCa();
  for (const key of ['ca.key', 'platform.key']) assert.equal(statSync(path.join(config.dataDir, 'tls', key)).mode & 0o777, 0o600, key);
  const platform = await httpsGet('web.paas.local', ca);
  assert.equal(platform.body, 'app GET /');
  assert.match(platform.san, /DNS:\*\.paas\.local/);
  // Two labels deep: not covered by *.paas.local, so the local CA makes one for this name.
  const deeper = await httpsGet('v2.web.paas.local', ca);
  assert.equal(deeper.body, 'app GET /');
  assert.equal(deeper.san, 'DNS:v2.web.paas.local');

  // An uploaded certificate from another CA wins for its name.
  const other = loadOrCreateLocalCa(mkdtempSync(path.join(os.tmpdir(), 'df-ca-')), 'example.org');
  const pair = await other.issue('custom.example.org');
  await assert.rejects(setCustomCertificate(client, 'nope.example.org', pair.cert, pair.key), { code: 'DF_ERR_INVALID_CERTIFICATE' });
  await setCustomCertificate(client, 'custom.example.org', pair.cert, pair.key);
  await until(async () => (await httpsGet('custom.example.org', other.ca.cert).catch(() => null)) !== null, 'uploaded certificate served');
  const custom = await httpsGet('custom.example.org', other.ca.cert);
  assert.equal(custom.body, 'app GET /');
  assert.equal(custom.san, 'DNS:custom.example.org');
  await assert.rejects(httpsGet('custom.example.org', ca), 'no longer the local CA');
});

void test('TLS: the local CA never signs a custom domain; without its own certificate it gets the platform one', async () => {
  const ca = await localCa();
  for (const name of ['github.com', 'shop.example.com']) {
    const served = await servedCertificate(name);
    assert.equal(served.checkHost(name), undefined, `${name}: not a certificate for that name`);
    assert.match(served.subjectAltName ?? '', /DNS:\*\.paas\.local/, `${name}: the platform certificate`);
    // A client trusting the local CA sees a name mismatch, not a trusted forgery.
    await assert.rejects(httpsGet(name, ca), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, name);
  }
  // The route itself still answers over HTTP (where ACME HTTP-01 validates).
  assert.equal((await request(port, 'github.com')).status, 200);
});

void test('WebSocket upgrades pass through both ways', async () => {
  const socket = net.connect(port, '127.0.0.1');
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET /chat HTTP/1.1\r\nHost: web.paas.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let got = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d]);
  });
  await until(() => got.includes('\r\n\r\n'), '101 response');
  const head = got.toString('latin1', 0, got.indexOf('\r\n\r\n'));
  assert.match(head, /^HTTP\/1\.1 101/);
  assert.match(head, /x-upstream: app/i);
  got = Buffer.alloc(0);
  // A masked text frame "hello"; the upstream echoes the bytes, so they must come back intact.
  const mask = randomBytes(4);
  const frame = Buffer.concat([Buffer.from([0x81, 0x85]), mask, Buffer.from([...Buffer.from('hello')].map((b, i) => b ^ mask[i % 4]!))]);
  socket.write(frame);
  await until(() => got.length >= frame.length, 'echoed frame');
  assert.deepEqual(got, frame);
  assert.equal(app.seen.at(-1)?.['x-forwarded-proto'], 'ws');
  socket.destroy();
});

void test('request smuggling and malformed requests are refused before any upstream sees them', async () => {
  const before = app.seen.length;
  const host = 'Host: web.paas.local\r\n';
  const cases: [string, string, number][] = [
    [
      'CL + TE',
      `POST / HTTP/1.1\r\n${host}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n${host}\r\n`,
      400,
    ],
    ['two lengths', `POST / HTTP/1.1\r\n${host}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, 400],
    ['bad length', `POST / HTTP/1.1\r\n${host}Content-Length: 5x\r\n\r\nhello`, 400],
    ['negative length', `POST / HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`, 400],
    ['obfuscated TE', `POST / HTTP/1.1\r\n${host}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, 400],
    ['TE not chunked', `POST / HTTP/1.1\r\n${host}Transfer-Encoding: gzip\r\n\r\n`, 400],
    ['bad chunk', `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400],
    ['two hosts', `GET / HTTP/1.1\r\n${host}Host: evil.example.com\r\n\r\n`, 400],
    ['no host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['long host', `GET / HTTP/1.1\r\nHost: ${'a'.repeat(300)}.paas.local\r\n\r\n`, 400],
    ['huge headers', `GET / HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['bad request line', 'GET / HTTP/1.1 junk\r\n\r\n', 400],
    ['body too large', `POST / HTTP/1.1\r\n${host}Content-Length: 2000000\r\n\r\n`, 413],
  ];
  for (const [what, data, want] of cases) assert.equal(status(await raw(data)), want, what);
  // A chunked body that grows past the limit is cut off too.
  const big = await request(port, 'web.paas.local', '/', {
    method: 'POST',
    headers: { 'transfer-encoding': 'chunked' },
    body: 'x'.repeat(1_100_000),
  }).catch(() => ({ status: 413 }));
  assert.equal(big.status, 413);
  assert.ok(app.seen.length - before <= 1, 'only the chunked upload may have started upstream');
});

void test('an upstream slower than the upstream timeout gets a 504 page', async () => {
  const r = await request(port, 'web.paas.local', '/slow?ms=1500');
  assert.equal(r.status, 504);
  assert.match(r.body, /DF_ERR_UPSTREAM_TIMEOUT/);
});

void test('graceful shutdown lets an open request finish', async () => {
  const slow = request(port, 'web.paas.local', '/slow?ms=400');
  await until(() => app.seen.length > 0 && app.seen.some((h) => h.host === 'web.paas.local'), 'request upstream');
  await new Promise((r) => setTimeout(r, 50));
  const stopping = gateway.stop();
  const r = await slow;
  assert.equal(r.status, 200);
  assert.equal(r.body, 'app GET /slow?ms=400');
  await stopping;
  await assert.rejects(request(port, 'web.paas.local'), 'no longer listening');
});
