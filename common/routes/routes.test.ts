import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { createRoutePublisher, RouteTableConsumer, ROUTES_KEY, VERSION_KEY, CHANNEL, type RouteChange } from './index.js';

let redis: TestRedis;
let client: Redis;

before(async () => {
  redis = await startRedis({ persist: true });
  client = new Redis(redis.url);
  client.on('error', () => {
    /* the restart test stops Redis under it */
  });
});
after(async () => {
  client.disconnect();
  await redis.stop();
});

/** Resolves when `pred` holds, polling; bounded so a broken consumer fails rather than hangs. */
async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

void test('publisher validates hosts and routes before Redis', async () => {
  const pub = createRoutePublisher(client);
  await assert.rejects(pub.setRoute('bad host', { app: 'web1', upstreams: [], tls: false }), { code: 'DF_ERR_INVALID_DOMAIN' });
  await assert.rejects(pub.setRoute('a.paas.local', { app: 'web1', upstreams: [{ host: 'x/y', port: 1 }], tls: false }));
  await assert.rejects(pub.setAppRoutes('web1', ['*.paas.local'], []), { code: 'DF_ERR_INVALID_DOMAIN' });
  assert.equal(await client.hlen(ROUTES_KEY), 0);
});

void test('consumer loads, follows messages, and setAppRoutes replaces an app atomically', async () => {
  const pub = createRoutePublisher(client);
  const v1 = await pub.setRoute('Pre.Paas.Local', { app: 'pre', upstreams: [{ host: '127.0.0.1', port: 1000 }], tls: false });
  const consumer = new RouteTableConsumer({ redisUrl: redis.url });
  const changes: RouteChange[] = [];
  consumer.on('change', (c) => changes.push(c));
  await consumer.start();
  try {
    assert.equal(consumer.version, v1);
    assert.equal(consumer.routes.get('pre.paas.local')?.upstreams[0]?.port, 1000);

    await pub.setAppRoutes('shop', ['shop.paas.local', 'shop.example.com'], [{ host: '127.0.0.1', port: 2000 }], { tls: true });
    await until(() => consumer.routes.has('shop.example.com'), 'shop routes');
    const v = await pub.setAppRoutes('shop', ['shop.paas.local'], [{ host: '127.0.0.1', port: 2001 }]);
    await until(() => consumer.version === v, 'version after replace');
    assert.equal(consumer.routes.has('shop.example.com'), false);
    assert.equal(consumer.routes.get('shop.paas.local')?.upstreams[0]?.port, 2001);
    assert.deepEqual(consumer.snapshot(), await pub.readRouteTable());

    // Republishing the same table changes nothing and bumps no version.
    assert.equal(await pub.setAppRoutes('shop', ['shop.paas.local'], [{ host: '127.0.0.1', port: 2001 }]), v);
    await pub.removeApp('shop');
    await until(() => !consumer.routes.has('shop.paas.local'), 'app removal');
    assert.ok(changes.some((c) => c.host === 'shop.paas.local' && c.route === null));
  } finally {
    await consumer.stop();
  }
});

void test('a version gap makes the consumer reload the whole table', async () => {
  const consumer = new RouteTableConsumer({ redisUrl: redis.url, pollMs: 60_000 });
  await consumer.start();
  try {
    // A change written without its message (as if the message were lost), then a later message.
    const v = await client.incr(VERSION_KEY);
    await client.hset(ROUTES_KEY, 'lost.paas.local', JSON.stringify({ version: v, app: 'lost', upstreams: [], tls: false }));
    const v2 = await client.incr(VERSION_KEY);
    const route = { version: v2, app: 'late', upstreams: [{ host: '127.0.0.1', port: 3000 }], tls: false };
    await client.hset(ROUTES_KEY, 'late.paas.local', JSON.stringify(route));
    await client.publish(CHANNEL, JSON.stringify({ version: v2, host: 'late.paas.local', route }));
    await until(() => consumer.routes.has('lost.paas.local') && consumer.routes.has('late.paas.local'), 'gap reload');
    assert.equal(consumer.version, v2);
  } finally {
    await consumer.stop();
  }
});

void test('a Redis restart keeps the table served and loses no later update', async () => {
  const pub = createRoutePublisher(client);
  await pub.setRoute('keep.paas.local', { app: 'keep', upstreams: [{ host: '127.0.0.1', port: 4000 }], tls: false });
  const consumer = new RouteTableConsumer({ redisUrl: redis.url, pollMs: 60_000 });
  await consumer.start();
  try {
    await redis.stop();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(consumer.routes.get('keep.paas.local')?.upstreams[0]?.port, 4000, 'served while Redis is down');
    await redis.start();
    // Published right after the restart, possibly before the consumer has reconnected.
    const v = await pub.setRoute('keep.paas.local', { app: 'keep', upstreams: [{ host: '127.0.0.1', port: 4001 }], tls: false });
    await until(() => consumer.version === v, 'update after restart', 10_000);
    assert.equal(consumer.routes.get('keep.paas.local')?.upstreams[0]?.port, 4001);
  } finally {
    await consumer.stop();
  }
});

void test('Redis that lost its data does not wipe the served table', async () => {
  const pub = createRoutePublisher(client);
  await pub.setRoute('old.paas.local', { app: 'old', upstreams: [{ host: '127.0.0.1', port: 5000 }], tls: false });
  const consumer = new RouteTableConsumer({ redisUrl: redis.url, pollMs: 60_000 });
  await consumer.start();
  try {
    await client.flushall();
    const v = await pub.setRoute('new.paas.local', { app: 'new', upstreams: [{ host: '127.0.0.1', port: 5001 }], tls: false });
    assert.equal(v, 1);
    await until(() => consumer.routes.has('new.paas.local'), 'republished route');
    assert.ok(consumer.routes.has('old.paas.local'));
    const v2 = await pub.setRoute('new2.paas.local', { app: 'new', upstreams: [{ host: '127.0.0.1', port: 5002 }], tls: false });
    await until(() => consumer.version === v2, 'follows the new counter');
  } finally {
    await consumer.stop();
  }
});
