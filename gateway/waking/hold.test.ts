// The wake hold in both engines, against a real gateway on a private Redis with control played
// by the test: many held requests publish one wake, are all forwarded once when the route wakes;
// a wake failure answers held requests with 503 + Retry-After at once and new ones too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../common/log/logger.js';
import { createRoutePublisher, WAKE_CHANNEL, WAKE_FAILED_CHANNEL, type RoutePublisher } from '../../common/routes/index.js';
import type { RunningService } from '../../common/service.js';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { startGateway } from '../index.js';
import { gatewayConfig, request, startUpstream, until, withGatewayEnv, type Upstream } from '../testing/harness.js';

for (const engine of ['fast', 'http'] as const) {
  describe(`wake hold (${engine} engine)`, () => {
    let redis: TestRedis;
    let client: Redis;
    let sub: Redis;
    let pub: RoutePublisher;
    let gateway: RunningService;
    let port: number;
    let app: Upstream;
    const wakes: string[] = [];

    before(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
      sub = new Redis(redis.url);
      pub = createRoutePublisher(client);
      sub.on('message', (_c: string, m: string) => wakes.push(m));
      await sub.subscribe(WAKE_CHANNEL);
      const config = await gatewayConfig(redis.url);
      const settings = { GATEWAY_ENGINE: engine, GATEWAY_ACCESS_LOG: 'off', GATEWAY_WAKE_TIMEOUT_MS: '10000' };
      gateway = await withGatewayEnv(settings, () => startGateway(config, createLogger('gateway', 'silent')));
      port = config.gatewayHttpPort;
      app = await startUpstream('woken');
    });
    after(async () => {
      await gateway.stop();
      await app.close();
      client.disconnect();
      sub.disconnect();
      await redis.stop();
    });

    it('publishes one wake for many held requests and forwards each once', async () => {
      await pub.setAppRoutes('nap', ['nap.paas.local'], [], { sleeping: true });
      await until(async () => wakes.length === 0 && (await request(port, 'none.paas.local')).status === 404, 'settle');
      await new Promise((r) => setTimeout(r, 200));
      const held = Array.from({ length: 12 }, (_, i) => request(port, 'nap.paas.local', `/h${i}`));
      await until(() => wakes.length > 0, 'a wake');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(wakes.length, 1, 'one wake per gateway per sleep');
      const seenBefore = app.seen.length;
      await pub.setAppRoutes('nap', ['nap.paas.local'], [{ host: '127.0.0.1', port: app.port }]);
      const replies = await Promise.all(held);
      assert.deepEqual(replies.map((r) => r.body).sort(), Array.from({ length: 12 }, (_, i) => `woken GET /h${i}`).sort());
      assert.equal(app.seen.length - seenBefore, 12, 'each held request reached the app exactly once');
    });

    it('answers held and new requests with 503 and Retry-After when the wake fails', async () => {
      await pub.setAppRoutes('broken', ['broken.paas.local'], [], { sleeping: true });
      await until(async () => (await request(port, 'none.paas.local')).status === 404, 'settle');
      await new Promise((r) => setTimeout(r, 200));
      const before = wakes.length;
      const held = Array.from({ length: 5 }, () => request(port, 'broken.paas.local', '/'));
      await until(() => wakes.length > before, 'a wake');
      await client.publish(WAKE_FAILED_CHANNEL, JSON.stringify({ app: 'broken', retryAfterSeconds: 60, reason: 'crashed' }));
      for (const r of await Promise.all(held)) {
        assert.equal(r.status, 503);
        assert.equal(r.headers['retry-after'], '60');
        assert.match(r.body, /DF_ERR_WAKE_FAILED/);
      }
      const later = await request(port, 'broken.paas.local', '/');
      assert.equal(later.status, 503);
      assert.match(later.body, /DF_ERR_WAKE_FAILED/);
      assert.equal(wakes.length, before + 1, 'no new wake during the back-off');
    });
  });
}
