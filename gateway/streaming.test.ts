// Large bodies through the gateway, both ways, byte for byte: responses with a length and
// chunked ones, to clients that read slowly (so writes queue up and backpressure pauses the
// upstream), several at once on pooled upstream sockets, and uploads. The fast engine reads each
// upstream socket into a reused buffer; a body byte still queued for a slow client must never
// be overwritten by the next read, which is what these hashes would show.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Config } from '../common/config/config.js';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { startGateway } from './index.js';
import { gatewayConfig, request, until } from './testing/harness.js';

const BODY = randomBytes(8 * 1024 * 1024);
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

let redis: TestRedis;
let client: Redis;
let config: Config;
let gateway: RunningService;
let upstream: http.Server;

/**
 * Serves BODY (`/sized` with a length, `/chunked` without): its first half in 64 KB writes, the
 * rest in 1000-byte pieces a turn of the event loop apart, so the gateway's reads are small while
 * a paused client's socket is already full. Hashes uploads.
 */
function startBodyUpstream(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        bytes += c.length;
      });
      req.on('end', () => res.end(`${bytes} ${hash.digest('hex')}`));
      return;
    }
    res.writeHead(200, req.url === '/sized' ? { 'content-length': String(BODY.length) } : {});
    let at = 0;
    const pump = (): void => {
      while (at < BODY.length / 2) {
        const ok = res.write(BODY.subarray(at, at + 65536));
        at += 65536;
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      if (at >= BODY.length) {
        res.end();
        return;
      }
      res.write(BODY.subarray(at, at + 1000));
      at += 1000;
      setImmediate(pump);
    };
    pump();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** GETs through the gateway, reading nothing for a while at first so the gateway's writes queue up. */
function slowGet(path: string): Promise<{ status: number; chunked: boolean; bytes: number; sha: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: config.gatewayHttpPort, path, headers: { host: 'big.paas.local' }, agent: false },
      (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.pause();
        setTimeout(() => res.resume(), 400);
        res.on('data', (c: Buffer) => {
          hash.update(c);
          bytes += c.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, chunked: res.headers['transfer-encoding'] === 'chunked', bytes, sha: hash.digest('hex') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  config = await gatewayConfig(redis.url);
  gateway = await startGateway(config, createLogger('gateway', 'silent'));
  upstream = await startBodyUpstream();
  await createRoutePublisher(client).setAppRoutes(
    'big',
    ['big.paas.local'],
    [{ host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }],
  );
  await until(
    async () => (await request(config.gatewayHttpPort, 'big.paas.local', '/', { method: 'POST', body: 'x' })).status === 200,
    'route',
  );
});
after(async () => {
  await gateway.stop();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  client.disconnect();
  await redis.stop();
});

void test('large responses reach slow clients intact, with a length and chunked, four at a time', async () => {
  const results = await Promise.all([slowGet('/sized'), slowGet('/chunked'), slowGet('/sized'), slowGet('/chunked')]);
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 200);
    assert.equal(r.chunked, i % 2 === 1, 'a response without a length is re-chunked for an HTTP/1.1 client');
    assert.equal(r.bytes, BODY.length);
    assert.equal(r.sha, BODY_SHA, `response ${i} arrived altered`);
  }
});

void test('large uploads reach the app intact', async () => {
  const upload = BODY.subarray(0, 3 * 1024 * 1024);
  const replies = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port: config.gatewayHttpPort,
              path: '/upload',
              method: 'POST',
              headers: { host: 'big.paas.local', 'content-length': String(upload.length) },
              agent: false,
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => {
                text += c.toString();
              });
              res.on('end', () => resolve(text));
            },
          );
          req.on('error', reject);
          for (let at = 0; at < upload.length; at += 100_000) req.write(upload.subarray(at, at + 100_000));
          req.end();
        }),
    ),
  );
  const expected = `${upload.length} ${createHash('sha256').update(upload).digest('hex')}`;
  for (const reply of replies) assert.equal(reply, expected);
});
