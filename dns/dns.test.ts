import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher, type RoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { gatewayConfig, until } from '../gateway/testing/harness.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { startDns } from './index.js';
import { requireProgram } from '../test/support/programs.js';

let redis: TestRedis;
let client: Redis;
let pub: RoutePublisher;
let dns: RunningService;
let port: number;
let upstream: dgram.Socket;

/** Runs dig against our server; returns its short answer lines and the status. */
function dig(name: string, type: string, tcp = false): Promise<{ status: string; answers: string[]; authority: string[]; flags: string }> {
  return new Promise((resolve, reject) => {
    const args = ['@127.0.0.1', '-p', String(port), name, type, '+time=2', '+tries=1', ...(tcp ? ['+tcp'] : [])];
    const child = spawn(requireProgram('dig'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', () => {
      const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NONE';
      const flags = /flags: ([a-z ]+);/.exec(out)?.[1] ?? '';
      const section = (title: string): string[] =>
        (out.split(`;; ${title} SECTION:\n`)[1]?.split('\n\n')[0] ?? '').split('\n').filter(Boolean);
      resolve({
        status,
        flags,
        answers: section('ANSWER').map((l) => l.split(/\s+/).slice(3).join(' ')),
        authority: section('AUTHORITY').map((l) => {
          const f = l.split(/\s+/);
          return [f[0], ...f.slice(3)].join(' ');
        }),
      });
    });
  });
}

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  pub = createRoutePublisher(client);
  // A stand-in upstream resolver: answers everything NXDOMAIN, so forwarding is visible.
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const out = Buffer.from(msg);
    out[2] = 0x81;
    out[3] = 0x83; // QR+RD, RA+NXDOMAIN
    upstream.send(out.subarray(0, msg.length), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
  process.env.DEPLOYFLOW_PUBLIC_IP = '127.0.0.1,::1';
  process.env.DNS_FORWARD = `127.0.0.1:${upstream.address().port}`;
  const config = await gatewayConfig(redis.url, { DNS_PORT: '0' });
  dns = await startDns(config, createLogger('dns', 'silent'));
  port = Number(/:(\d+)$/.exec(dns.addresses[0]!)![1]);
});
after(async () => {
  delete process.env.DEPLOYFLOW_PUBLIC_IP;
  delete process.env.DNS_FORWARD;
  await dns.stop();
  upstream.close();
  client.disconnect();
  await redis.stop();
});

void test('the domain and every name under it resolve to the gateway, over UDP and TCP', async () => {
  for (const tcp of [false, true]) {
    const apex = await dig('paas.local', 'A', tcp);
    assert.equal(apex.status, 'NOERROR');
    assert.match(apex.flags, /\baa\b/);
    assert.deepEqual(apex.answers, ['A 127.0.0.1']);
    assert.deepEqual((await dig('Any-App.PAAS.local', 'A', tcp)).answers, ['A 127.0.0.1']);
    assert.deepEqual((await dig('web.paas.local', 'AAAA', tcp)).answers, ['AAAA ::1']);
    const mx = await dig('web.paas.local', 'MX', tcp);
    assert.equal(mx.status, 'NOERROR');
    assert.deepEqual(mx.answers, []);
  }
});

void test("an empty answer carries the zone's SOA, so resolvers may cache it; the apex answers SOA", async () => {
  for (const tcp of [false, true]) {
    const mx = await dig('Web.paas.local', 'MX', tcp);
    assert.equal(mx.status, 'NOERROR');
    assert.deepEqual(mx.answers, []);
    assert.deepEqual(mx.authority, ['paas.local. SOA ns.paas.local. hostmaster.paas.local. 1 3600 600 86400 30']);
    assert.deepEqual((await dig('paas.local', 'SOA', tcp)).answers, ['SOA ns.paas.local. hostmaster.paas.local. 1 3600 600 86400 30']);
    assert.equal((await dig('deep.web.paas.local', 'SOA', tcp)).authority[0]?.split(' ')[0], 'paas.local.');
  }
});

void test('a custom domain resolves while it is routed, and is forwarded once it is not', async () => {
  assert.equal((await dig('shop.example.com', 'A')).status, 'NXDOMAIN', 'forwarded before it is routed');
  await pub.setAppRoutes('shop', ['shop.example.com'], [{ host: '127.0.0.1', port: 9 }]);
  await until(async () => (await dig('shop.example.com', 'A')).status === 'NOERROR', 'custom domain answered');
  assert.deepEqual((await dig('shop.example.com', 'A', true)).answers, ['A 127.0.0.1']);
  // A custom domain is its own zone.
  assert.deepEqual((await dig('shop.example.com', 'TXT')).authority, [
    'shop.example.com. SOA ns.shop.example.com. hostmaster.shop.example.com. 1 3600 600 86400 30',
  ]);
  await pub.removeApp('shop');
  await until(async () => (await dig('shop.example.com', 'A')).status === 'NXDOMAIN', 'custom domain forwarded again');
});

void test('malformed datagrams get FORMERR or nothing, and the server keeps answering', async () => {
  const sock = dgram.createSocket('udp4');
  const replies: Buffer[] = [];
  sock.on('message', (m) => replies.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const junk = [
    Buffer.from([1, 2, 3]),
    Buffer.from('0102010000010000000000000a', 'hex'),
    Buffer.from('01020100000100000000000003616263c00c00010001', 'hex'),
  ];
  for (const j of junk) sock.send(j, port, '127.0.0.1');
  await until(() => replies.length >= 2, 'FORMERR replies');
  assert.ok(
    replies.every((r) => (r[3]! & 0x0f) === 1),
    'FORMERR',
  );
  sock.close();
  assert.deepEqual((await dig('paas.local', 'A')).answers, ['A 127.0.0.1']);
});
