// Gateway and resolver across a Redis restart: traffic keeps flowing on the last table while
// Redis is down, and the first change published after it is back reaches both.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher } from '../common/routes/index.js';
import { startDns } from '../dns/index.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig, request, startUpstream, until } from '../gateway/testing/harness.js';
import { startRedis } from './support/redis.js';
import { requireProgram } from './support/programs.js';

function digA(port: number, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireProgram('dig'), ['@127.0.0.1', '-p', String(port), name, 'A', '+short', '+time=2', '+tries=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

void test('a Redis restart in the middle of traffic drops no request and loses no later update', async () => {
  const redis = await startRedis({ persist: true });
  const client = new Redis(redis.url, { maxRetriesPerRequest: 20 });
  client.on('error', () => undefined);
  const pub = createRoutePublisher(client);
  const config = await gatewayConfig(redis.url, { DNS_PORT: '0' });
  const log = createLogger('test', 'silent');
  const gateway = await startGateway(config, log);
  const dns = await startDns(config, log);
  const dnsPort = Number(/:(\d+)$/.exec(dns.addresses[0]!)![1]);
  const one = await startUpstream('one');
  const two = await startUpstream('two');
  const port = config.gatewayHttpPort;
  try {
    await pub.setAppRoutes('web', ['web.paas.local'], [{ host: '127.0.0.1', port: one.port }]);
    await until(async () => (await request(port, 'web.paas.local')).status === 200, 'route');

    let stop = false;
    const results: string[] = [];
    const traffic = [0, 1, 2, 3].map(async () => {
      for (let i = 0; i < 3000 && !stop; i++) {
        const r = await request(port, 'web.paas.local').catch((err: Error) => ({ status: 0, body: err.message }));
        results.push(r.status === 200 ? r.body.split(' ')[0]! : `${r.status} ${r.body}`);
      }
    });
    await until(() => results.length > 50, 'traffic before the restart');
    await redis.stop();
    const duringOutage = results.length;
    await until(() => results.length > duringOutage + 50, 'traffic while Redis is down');
    await redis.start();
    await pub.setAppRoutes('web', ['web.paas.local', 'shop.example.com'], [{ host: '127.0.0.1', port: two.port }]);
    await until(() => results.at(-1) === 'two', 'the update after the restart reaches the gateway', 10_000);
    stop = true;
    await Promise.all(traffic);

    assert.deepEqual(
      results.filter((r) => r !== 'one' && r !== 'two'),
      [],
      'every request answered 200',
    );
    assert.equal((await request(port, 'shop.example.com')).body, 'two GET /');
    await until(async () => (await digA(dnsPort, 'shop.example.com')) === '127.0.0.1', 'the update reaches the resolver', 10_000);
  } finally {
    await gateway.stop();
    await dns.stop();
    await one.close();
    await two.close();
    client.disconnect();
    await redis.stop();
  }
});
