import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../common/log/logger.js';
import { createRoutePublisher } from '../../common/routes/index.js';
import { startRedis } from '../../test/support/redis.js';
import { startGateway } from '../index.js';
import { gatewayConfig, request, startUpstream, until } from '../testing/harness.js';

void test('cluster mode: workers share the ports, follow the table, and stop cleanly', async () => {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const app = await startUpstream('app');
  process.env.GATEWAY_WORKERS = '2';
  const config = await gatewayConfig(redis.url, { GATEWAY_ACCESS_LOG: 'off' });
  const gateway = await startGateway(config, createLogger('gateway', 'silent'));
  delete process.env.GATEWAY_WORKERS;
  try {
    await createRoutePublisher(client).setAppRoutes('web', ['web.paas.local'], [{ host: '127.0.0.1', port: app.port }]);
    await until(async () => (await request(config.gatewayHttpPort, 'web.paas.local')).status === 200, 'route in the workers');
    const replies = await Promise.all(Array.from({ length: 20 }, () => request(config.gatewayHttpPort, 'web.paas.local')));
    assert.ok(replies.every((r) => r.body === 'app GET /'));
  } finally {
    await gateway.stop();
    await app.close();
    client.disconnect();
    await redis.stop();
  }
  await assert.rejects(request(config.gatewayHttpPort, 'web.paas.local'));
});
