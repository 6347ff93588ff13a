// Upstream response boundaries in the fast engine, byte for byte, against real sockets: bytes an
// app sends past the end of a response (a body with a HEAD answer, a body longer than its
// Content-Length, a response nobody asked for) must never become another client's response —
// least of all the client waiting for that upstream socket when the pool is full.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until } from './testing/harness.js';
import { echo, echoed, sleep, startByteGateway, type ByteGateway, type Received, type ScriptedApp } from './testing/scripted.js';

const UPSTREAM_TIMEOUT_MS = 3000;
let gw: ByteGateway;

// One upstream socket per replica: a second concurrent request waits for the first one's socket.
before(async () => {
  gw = await startByteGateway({ GATEWAY_UPSTREAM_CONNECTIONS: '1', GATEWAY_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) });
});
after(async () => {
  await gw.stop();
});

const STALE = 'HTTP/1.1 200 OK\r\nContent-Length: 30\r\nX-Stale: yes\r\n\r\nresponse meant for nobody (A2)';

/**
 * Client A's request holds the only upstream socket for 300 ms while client B waits for it; A's
 * answer (`answerA`) carries more bytes than A's response, in the same write.
 */
async function waiterCase(host: string, methodA: string, answerA: string): Promise<{ a: Received; b: Received; app: ScriptedApp }> {
  const app = await gw.app(host, (req) => {
    if (!req.line.includes('/client-A')) return '';
    setTimeout(() => req.conn.socket.write(answerA, 'latin1'), 300);
    return null;
  });
  const pa = gw.exchange(`${methodA} /client-A HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  await sleep(100);
  const pb = gw.exchange(`GET /client-B HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const [a, b] = await Promise.all([pa, pb]);
  return { a, b, app };
}

void test('bytes after a HEAD response (a body, another response) never reach the client waiting for the socket', async () => {
  const { a, b, app } = await waiterCase('head-waiter.paas.local', 'HEAD', `HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n${STALE}`);
  assert.equal(a.data, 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nconnection: close\r\n\r\n');
  assert.equal(b.data, echoed('GET /client-B HTTP/1.1'));
  // The socket that carried the extra bytes was closed; B's request went on a new one.
  assert.deepEqual(
    app.requests.map((r) => [r.line, app.conns.indexOf(r.conn)]),
    [
      ['HEAD /client-A HTTP/1.1', 0],
      ['GET /client-B HTTP/1.1', 1],
    ],
  );
  await until(() => app.conns[0]!.closed, 'the first upstream socket closed');
});

void test('a response longer than its Content-Length, or two at once, is cut at its length and the socket dropped', async () => {
  for (const [host, extra] of [
    ['long-waiter.paas.local', 'trailing junk'],
    ['two-waiter.paas.local', STALE],
  ] as const) {
    const { a, b, app } = await waiterCase(host, 'GET', `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok${extra}`);
    assert.equal(a.data, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: close\r\n\r\nok', host);
    assert.equal(b.data, echoed('GET /client-B HTTP/1.1'), host);
    assert.deepEqual(
      app.requests.map((r) => app.conns.indexOf(r.conn)),
      [0, 1],
      host,
    );
    await until(() => app.conns[0]!.closed, 'the first upstream socket closed');
  }
});

void test('a response that ends cleanly keeps its socket for the waiting client', async () => {
  const { a, b, app } = await waiterCase('clean-waiter.paas.local', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  assert.equal(a.data, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: close\r\n\r\nok');
  assert.equal(b.data, echoed('GET /client-B HTTP/1.1'));
  assert.deepEqual(
    app.requests.map((r) => app.conns.indexOf(r.conn)),
    [0, 0],
  );
});

void test('bytes an idle pooled socket receives close it; the next request gets a new socket', async () => {
  const host = 'idle-junk.paas.local';
  const app = await gw.app(host, (req) => {
    if (!req.line.includes('/first')) return '';
    setTimeout(() => req.conn.socket.write(STALE, 'latin1'), 200); // after the response, while idle
    return echo(req);
  });
  const first = await gw.exchange(`GET /first HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  assert.equal(first.data, echoed('GET /first HTTP/1.1'));
  await until(() => app.conns[0]!.closed, 'the idle socket closed');
  const next = await gw.exchange(`GET /next HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  assert.equal(next.data, echoed('GET /next HTTP/1.1'));
  assert.equal(app.conns.indexOf(app.requests[1]!.conn), 1);
});

void test('an upstream that switches protocols on a plain request is a 502 at once; informational heads pass', async () => {
  const host = 'switch.paas.local';
  await gw.app(host, (req) => {
    if (req.line.includes('/switch')) return 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nframes';
    if (req.line.includes('/bare101')) return 'HTTP/1.1 101 Switching Protocols\r\n\r\n';
    if (req.line.includes('/early'))
      return 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal';
    return '';
  });
  for (const path of ['/switch', '/bare101']) {
    const r = await gw.exchange(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.match(r.data, /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*connection: close\r\n\r\n\{"error":\{"code":"DF_ERR_UPSTREAM"/, path);
    assert.ok(r.ms < UPSTREAM_TIMEOUT_MS / 2, `${path}: answered in ${r.ms} ms, not after the upstream timeout`);
  }
  const early = await gw.exchange(`GET /early HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  assert.equal(early.data, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nconnection: close\r\n\r\nfinal');
});
