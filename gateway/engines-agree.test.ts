// Where the two engines used to disagree, one rule now serves both: a served ACME challenge is
// counted (access log line, in-flight gauge back to zero) by the http engine as by the fast one,
// and a failed WebSocket handshake is a 502 saying DF_ERR_UPSTREAM in both (the http engine's
// upgrade path said DF_ERR_BAD_GATEWAY); and a replica that cuts the connection before answering
// (it died with the request in it) costs an idempotent request nothing — another replica answers —
// while a request with a body is never sent twice.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { putChallenge } from '../common/certificates/index.js';
import { startGateway } from './index.js';
import { gatewayConfig, request, startUpstream, until, type Upstream } from './testing/harness.js';

describe('both engines follow the same rules', () => {
  let redis: TestRedis;
  let client: Redis;
  let bad: net.Server;
  /** Replicas that take the request and then die: one cuts with a reset, one with a plain close. */
  const cutters: net.Server[] = [];
  let good: Upstream;
  const gateways: { engine: string; service: RunningService; port: number; log: string }[] = [];

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    // An upstream that "switches protocols" without a valid Sec-WebSocket-Accept.
    bad = net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
      s.on('error', () => s.destroy());
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    await createRoutePublisher(client).setAppRoutes(
      'liar',
      ['liar.paas.local'],
      [{ host: '127.0.0.1', port: (bad.address() as net.AddressInfo).port }],
    );
    await putChallenge(client, 'tok-1', 'tok-1.key-authorization');
    good = await startUpstream('good');
    for (const how of ['reset', 'close'] as const) {
      const cutter = net.createServer((s) => {
        s.once('data', () => (how === 'reset' ? s.resetAndDestroy() : s.destroy()));
        s.on('error', () => s.destroy());
      });
      await new Promise<void>((r) => cutter.listen(0, '127.0.0.1', r));
      cutters.push(cutter);
      await createRoutePublisher(client).setAppRoutes(
        `cut-${how}`,
        [`cut-${how}.paas.local`],
        [
          { host: '127.0.0.1', port: (cutter.address() as net.AddressInfo).port },
          { host: '127.0.0.1', port: good.port },
        ],
      );
    }
    for (const engine of ['fast', 'http']) {
      process.env.GATEWAY_ENGINE = engine;
      const config = await gatewayConfig(redis.url);
      const log = path.join(config.dataDir, 'access.log');
      process.env.GATEWAY_ACCESS_LOG = log;
      gateways.push({ engine, service: await startGateway(config, createLogger('gateway', 'silent')), port: config.gatewayHttpPort, log });
    }
    delete process.env.GATEWAY_ENGINE;
    delete process.env.GATEWAY_ACCESS_LOG;
  });

  after(async () => {
    for (const g of gateways) await g.service.stop();
    bad.close();
    for (const c of cutters) c.close();
    await good.close();
    client.disconnect();
    await redis.stop();
  });

  it('a served ACME challenge is logged and counted by either engine', async () => {
    for (const g of gateways) {
      const r = await request(g.port, 'shop.example.com', '/.well-known/acme-challenge/tok-1');
      assert.equal(r.status, 200, g.engine);
      assert.equal(r.body, 'tok-1.key-authorization');
      await until(() => {
        try {
          return readFileSync(g.log, 'utf8')
            .split('\n')
            .some((l) => l.includes('"path":"/.well-known/acme-challenge/tok-1"') && l.includes('"status":200'));
        } catch {
          return false;
        }
      }, `${g.engine} access log line`);
    }
  });

  it('a failed WebSocket handshake is 502 DF_ERR_UPSTREAM in either engine', async () => {
    for (const g of gateways) {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = net.connect(g.port, '127.0.0.1', () =>
          s.write(
            'GET / HTTP/1.1\r\nHost: liar.paas.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          ),
        );
        let out = '';
        s.on('data', (d: Buffer) => {
          out += d.toString('latin1');
        });
        s.on('close', () => resolve(out));
        s.on('error', reject);
        s.setTimeout(5000, () => s.destroy());
      });
      assert.match(answer, /^HTTP\/1\.1 502 /, g.engine);
      assert.match(answer, /"code":"DF_ERR_UPSTREAM"/, g.engine);
    }
  });

  it('a replica that cuts the connection before answering: GETs go to another, a POST is not sent twice', async () => {
    for (const g of gateways) {
      for (const how of ['reset', 'close']) {
        const host = `cut-${how}.paas.local`;
        await until(async () => (await request(g.port, host)).status !== 404, `${g.engine} ${host} route`);
        // Round robin sends every other request to the cutter first.
        for (let i = 0; i < 6; i++) {
          const r = await request(g.port, host, `/get-${i}`);
          assert.equal(r.status, 200, `${g.engine} ${how} GET ${i}: ${r.body}`);
          assert.equal(r.body, `good GET /get-${i}`);
        }
        const posts = [];
        for (let i = 0; i < 4; i++) posts.push(await request(g.port, host, `/post-${i}`, { method: 'POST', body: 'once' }));
        assert.ok(
          posts.some((p) => p.status === 502 && /DF_ERR_UPSTREAM/.test(p.body)),
          `${g.engine} ${how}: a POST that met the cutter is 502`,
        );
        assert.ok(
          posts.every((p) => p.status === 502 || p.body.startsWith('good POST')),
          `${g.engine} ${how}`,
        );
      }
    }
  });
});
