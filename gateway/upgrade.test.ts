// Upgrade requests and hop-by-hop headers, through both engines, against a scripted upstream on
// a raw socket so the test sees exactly the bytes each side receives: a WebSocket upgrade is only
// tunnelled after the upstream's 101 (with a valid Sec-WebSocket-Accept); anything else is
// answered once and the connection closed, so later bytes never reach the upstream unparsed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { startGateway } from './index.js';
import { gatewayConfig, until } from './testing/harness.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const acceptFor = (key: string): string =>
  createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');

interface Head {
  line: string;
  headers: Record<string, string>;
}

function parseHead(text: string): Head {
  const [line, ...rest] = text.split('\r\n');
  const headers: Record<string, string> = {};
  for (const h of rest) {
    const i = h.indexOf(':');
    headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
  }
  return { line: line!, headers };
}

/** How the scripted upstream answers a request head on a connection. */
type Answer = (head: Head, socket: net.Socket) => void;

const ok = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Answers 200 to anything (keeping the connection open); the upstream of a non-WebSocket app. */
const plain: Answer = (head, socket) => {
  socket.write(ok(`plain ${head.line}`));
};

/** Switches to whatever was asked for (h2c included), as an app that speaks it would. */
const switches: Answer = (head, socket) => {
  const upgrade = head.headers.upgrade;
  if (upgrade === undefined) return plain(head, socket);
  const accept = head.headers['sec-websocket-key'] ? `Sec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key'])}\r\n` : '';
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${upgrade}\r\nConnection: Upgrade\r\n${accept}\r\n`);
};

/** A WebSocket app: 101 with the right accept (and a first frame in the same write), then echo. */
const websocket: Answer = (head, socket) => {
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade, X-Up-Hop\r\nX-Up-Hop: no\r\n` +
      `Sec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key'] ?? '')}\r\nX-Upstream: ws\r\n\r\nHELLO`,
  );
  (socket as net.Socket & { echo?: boolean }).echo = true;
};

let answer: Answer = plain;
/** Everything the upstream received since the last reset, one entry per connection. */
let received: string[] = [];

async function startScriptedUpstream(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let index = received.push('') - 1;
    let list = received;
    let pending = '';
    socket.on('data', (d: Buffer) => {
      const s = socket as net.Socket & { echo?: boolean };
      // A pooled connection reused after reset() records into the new list.
      if (list !== received) {
        list = received;
        index = received.push('') - 1;
      }
      received[index] += d.toString('latin1');
      if (s.echo) {
        socket.write(d);
        return;
      }
      pending += d.toString('latin1');
      let end: number;
      while (!s.echo && (end = pending.indexOf('\r\n\r\n')) !== -1) {
        const head = parseHead(pending.slice(0, end));
        pending = pending.slice(end + 4);
        answer(head, socket);
      }
      if (s.echo && pending) {
        socket.write(pending);
        pending = '';
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

interface Conversation {
  data: string;
  closed: boolean;
  socket: net.Socket;
}

/** Sends `first`, waits for a response head, sends `then` (if any), collects until close or quiet. */
function converse(port: number, first: string, then?: string, quietMs = 400): Promise<Conversation> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let closed = false;
    let quiet: NodeJS.Timeout | undefined;
    let sentThen = false;
    const done = (): void => {
      clearTimeout(quiet);
      clearTimeout(cap);
      resolve({ data, closed, socket });
    };
    const arm = (): void => {
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    };
    const cap = setTimeout(done, 5000);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (then !== undefined && !sentThen && data.includes('\r\n\r\n')) {
        sentThen = true;
        setTimeout(() => {
          if (!socket.destroyed) socket.write(then);
        }, 50);
      }
      arm();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      done();
    });
    socket.write(first);
    arm();
  });
}

const ENGINES = ['fast', 'http'] as const;
let redis: TestRedis;
let client: Redis;
let upstream: { port: number; close(): void };
const gateways: RunningService[] = [];
const ports: Record<string, number> = {};

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  upstream = await startScriptedUpstream();
  await createRoutePublisher(client).setAppRoutes(
    'web',
    ['web.paas.local', 'other.paas.local'],
    [{ host: '127.0.0.1', port: upstream.port }],
  );
  for (const engine of ENGINES) {
    process.env.GATEWAY_ENGINE = engine;
    const config = await gatewayConfig(redis.url, { GATEWAY_HEALTH_INTERVAL_MS: '0' });
    gateways.push(await startGateway(config, createLogger('gateway', 'silent')));
    ports[engine] = config.gatewayHttpPort;
  }
  delete process.env.GATEWAY_ENGINE;
  for (const engine of ENGINES) {
    await until(
      async () =>
        (await converse(ports[engine]!, 'GET / HTTP/1.1\r\nHost: web.paas.local\r\nConnection: close\r\n\r\n')).data.startsWith(
          'HTTP/1.1 200',
        ),
      `${engine} route`,
    );
  }
});
after(async () => {
  for (const g of gateways) await g.stop();
  upstream.close();
  client.disconnect();
  await redis.stop();
});

const WS_HEAD = (path: string, extra = ''): string =>
  `GET ${path} HTTP/1.1\r\nHost: web.paas.local\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

const SMUGGLED =
  'GET /internal HTTP/1.1\r\nHost: other.paas.local\r\nX-Forwarded-For: 10.0.0.1\r\nX-Request-Id: spoofed\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n';

function reset(a: Answer): void {
  answer = a;
  received = [];
}

for (const engine of ENGINES) {
  void describe(`${engine} engine`, () => {
    void test('a WebSocket upgrade the upstream answers with 200 is answered once and closed: later bytes never reach the upstream', async () => {
      reset(plain);
      const c = await converse(ports[engine]!, WS_HEAD('/ws'), SMUGGLED);
      const all = received.join('');
      assert.equal((all.match(/ HTTP\/1\.1\r\n/g) ?? []).length, 1, `one request reached the upstream: ${JSON.stringify(all)}`);
      assert.doesNotMatch(all, /internal|spoofed|10\.0\.0\.1/);
      assert.match(c.data, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(c.data, /\r\nconnection: close\r\n/i);
      assert.ok(c.data.endsWith('plain GET /ws HTTP/1.1'), JSON.stringify(c.data));
      assert.equal((c.data.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'one response');
      assert.equal(c.closed, true);
    });

    void test('a 101 without a valid Sec-WebSocket-Accept is not tunnelled', async () => {
      reset((_head, socket) =>
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bogus\r\n\r\n',
        ),
      );
      const c = await converse(ports[engine]!, WS_HEAD('/bad-accept'), SMUGGLED);
      assert.doesNotMatch(received.join(''), /internal/);
      assert.doesNotMatch(c.data, /^HTTP\/1\.1 101/);
      assert.equal(c.closed, true);
    });

    void test('Upgrade: h2c is proxied as a plain request without Upgrade/HTTP2-Settings (as nginx does)', async () => {
      reset(switches);
      const c = await converse(
        ports[engine]!,
        'GET /h2c HTTP/1.1\r\nHost: web.paas.local\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        SMUGGLED,
      );
      const all = received.join('');
      assert.match(all, /^GET \/h2c HTTP\/1\.1\r\n/);
      assert.doesNotMatch(all, /upgrade|http2-settings|h2c\r\n/i);
      assert.doesNotMatch(all, /internal/);
      assert.match(c.data, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(c.data.endsWith('plain GET /h2c HTTP/1.1'), JSON.stringify(c.data));
      assert.equal(c.closed, true);
    });

    void test('a WebSocket upgrade is tunnelled after the 101, hop-by-hop request headers stripped, bytes in the same read kept', async () => {
      reset(websocket);
      const c = await converse(
        ports[engine]!,
        `${WS_HEAD('/chat', 'Connection: x-secret\r\nX-Secret: s\r\nProxy-Authorization: Basic eA==\r\nKeep-Alive: 5\r\nX-Forwarded-For: 10.0.0.1\r\n')}EARLY`,
        'LATER',
      );
      const up = received.join('');
      const head = parseHead(up.slice(0, up.indexOf('\r\n\r\n')));
      assert.equal(head.line, 'GET /chat HTTP/1.1');
      assert.equal(head.headers['x-secret'], undefined);
      assert.equal(head.headers['proxy-authorization'], undefined);
      assert.equal(head.headers['keep-alive'], undefined);
      assert.equal(head.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(head.headers['x-forwarded-proto'], 'ws');
      assert.match(head.headers.connection ?? '', /^upgrade$/i);
      assert.equal(head.headers.upgrade, 'websocket');
      assert.equal(head.headers['sec-websocket-key'], KEY);
      assert.equal(up.slice(up.indexOf('\r\n\r\n') + 4), 'EARLYLATER');
      const reply = c.data.slice(0, c.data.indexOf('\r\n\r\n'));
      assert.match(reply, /^HTTP\/1\.1 101 /);
      assert.match(reply, new RegExp(`\r\nsec-websocket-accept: ${acceptFor(KEY).replace(/[+/]/g, '\\$&')}`, 'i'));
      assert.match(reply, /\r\nx-upstream: ws/i);
      assert.match(reply, /\r\nupgrade: websocket/i);
      assert.doesNotMatch(reply, /x-up-hop: no/i);
      assert.equal(c.data.slice(c.data.indexOf('\r\n\r\n') + 4), 'HELLOEARLYLATER');
      c.socket.destroy();
    });

    void test('an upgrade request with a body is refused with 400 before any upstream sees it', async () => {
      reset(websocket);
      for (const framing of ['Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 'Content-Length: 5\r\n\r\nhello']) {
        const c = await converse(
          ports[engine]!,
          `POST /ws3 HTTP/1.1\r\nHost: web.paas.local\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${framing}`,
        );
        assert.match(c.data, /^HTTP\/1\.1 400 /, framing);
        assert.equal(c.closed, true);
      }
      assert.deepEqual(
        received.filter((r) => r !== ''),
        [],
      );
    });

    void test("response headers named in the upstream's Connection header do not reach the client", async () => {
      reset((head, socket) => socket.write(ok(`plain ${head.line}`, 'Connection: x-internal\r\nX-Internal: secret\r\nX-Public: yes\r\n')));
      const c = await converse(ports[engine]!, 'GET /resp HTTP/1.1\r\nHost: web.paas.local\r\nConnection: close\r\n\r\n');
      assert.match(c.data, /^HTTP\/1\.1 200 OK\r\n/);
      assert.doesNotMatch(c.data, /x-internal: secret/i);
      assert.match(c.data, /\r\nx-public: yes\r\n/i);
      assert.ok(c.data.endsWith('plain GET /resp HTTP/1.1'));
    });
  });
}
