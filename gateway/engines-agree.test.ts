// Where the two engines used to disagree, one rule now serves both: a served ACME challenge is
// counted (access log line, in-flight gauge back to zero) by the http engine as by the fast one,
// and a failed WebSocket handshake is a 502 saying DF_ERR_UPSTREAM in both (the http engine's
// upgrade path said DF_ERR_BAD_GATEWAY).
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
import { gatewayConfig, request, until } from './testing/harness.js';

describe('both engines follow the same rules', () => {
  let redis: TestRedis;
  let client: Redis;
  let bad: net.Server;
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
    await createRoutePublisher(client).setAppRoutes('liar', ['liar.paas.local'], [{ host: '127.0.0.1', port: (bad.address() as net.AddressInfo).port }]);
    await putChallenge(client, 'tok-1', 'tok-1.key-authorization');
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
          return readFileSync(g.log, 'utf8').split('\n').some((l) => l.includes('"path":"/.well-known/acme-challenge/tok-1"') && l.includes('"status":200'));
        } catch { return false; }
      }, `${g.engine} access log line`);
    }
  });

  it('a failed WebSocket handshake is 502 DF_ERR_UPSTREAM in either engine', async () => {
    for (const g of gateways) {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = net.connect(g.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: liar.paas.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
          + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'));
        let out = '';
        s.on('data', (d: Buffer) => { out += d.toString('latin1'); });
        s.on('close', () => resolve(out));
        s.on('error', reject);
        s.setTimeout(5000, () => s.destroy());
      });
      assert.match(answer, /^HTTP\/1\.1 502 /, g.engine);
      assert.match(answer, /"code":"DF_ERR_UPSTREAM"/, g.engine);
    }
  });
});
