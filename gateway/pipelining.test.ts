// Pipelined requests around one the fast engine refuses, byte for byte: the requests parsed before
// it are answered first, in order, then the refusal closes the connection; bytes after a request
// that closes the connection are ignored rather than refused (as nginx does).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { echoed, startByteGateway, type ByteGateway } from './testing/scripted.js';

let gw: ByteGateway;
before(async () => {
  gw = await startByteGateway();
});
after(async () => {
  await gw.stop();
});

const BAD = /^HTTP\/1\.1 400 Bad Request\r\n[^]*connection: close\r\n\r\n\{"error":\{"code":"DF_ERR_BAD_REQUEST"[^]*\}\}$/;

void test('requests parsed before a malformed one are answered first, then the 400 closes the connection', async () => {
  const host = 'pipeline.paas.local';
  const app = await gw.app(host, () => '');
  const ok1 = echoed('GET /1 HTTP/1.1', false);
  const ok2 = echoed('GET /2 HTTP/1.1', false);
  // A malformed request line after two good requests.
  const r1 = await gw.exchange(
    `GET /1 HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /2 HTTP/1.1\r\nHost: ${host}\r\n\r\nG@RBAGE / HTTP/1.1\r\n\r\n`,
  );
  assert.ok(r1.data.startsWith(ok1 + ok2), JSON.stringify(r1.data));
  assert.match(r1.data.slice((ok1 + ok2).length), BAD);
  // A request whose chunked body is malformed: the request before it is answered, it never leaves.
  const r2 = await gw.exchange(
    `GET /1 HTTP/1.1\r\nHost: ${host}\r\n\r\nPOST /bad HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  );
  assert.ok(r2.data.startsWith(ok1), JSON.stringify(r2.data));
  assert.match(r2.data.slice(ok1.length), BAD);
  assert.deepEqual(
    app.requests.map((q) => q.line),
    ['GET /1 HTTP/1.1', 'GET /2 HTTP/1.1', 'GET /1 HTTP/1.1'],
  );
  // Alone, a malformed request is still a 400 at once.
  assert.match((await gw.exchange('G@RBAGE / HTTP/1.1\r\n\r\n')).data, BAD);
});

void test('a malformed request after one still being answered waits for that answer, then the 400', async () => {
  const host = 'pipeline-slow.paas.local';
  const app = await gw.app(host, (req) => {
    setTimeout(() => req.conn.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${5 + req.line.length}\r\n\r\necho:${req.line}`), 200);
    return null;
  });
  const socket = await import('node:net').then((net) => net.connect(gw.port, '127.0.0.1'));
  let out = '';
  socket.on('data', (d: Buffer) => {
    out += d.toString('latin1');
  });
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.write(`GET /slow HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  await new Promise((r) => setTimeout(r, 50));
  socket.write(`GET /next HTTP/1.1\r\nHost: ${host}\r\n\r\nG@RBAGE / HTTP/1.1\r\n\r\n`);
  await closed;
  out = out.replace(/\r\ndate: [^\r]*/gi, '');
  const answered = echoed('GET /slow HTTP/1.1', false) + echoed('GET /next HTTP/1.1', false);
  assert.ok(out.startsWith(answered), JSON.stringify(out));
  assert.match(out.slice(answered.length), BAD);
  assert.deepEqual(
    app.requests.map((q) => q.line),
    ['GET /slow HTTP/1.1', 'GET /next HTTP/1.1'],
  );
});

void test('bytes after a request that closes the connection are ignored, the request is answered', async () => {
  const host = 'close-first.paas.local';
  const app = await gw.app(host, () => '');
  const c1 = await gw.exchange(`GET /c1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\nGET /c2 HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  assert.equal(c1.data, echoed('GET /c1 HTTP/1.1'));
  // HTTP/1.0 without keep-alive closes after each request.
  const old = await gw.exchange(`GET /o1 HTTP/1.0\r\nHost: ${host}\r\n\r\nGET /o2 HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
  assert.equal(old.data, echoed('GET /o1 HTTP/1.1'));
  // A keep-alive request before the closing one is answered too.
  const both = await gw.exchange(
    `GET /k1 HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /k2 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\nGET /k3 HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  );
  assert.equal(both.data, echoed('GET /k1 HTTP/1.1', false) + echoed('GET /k2 HTTP/1.1'));
  assert.deepEqual(
    app.requests.map((q) => q.line),
    ['GET /c1 HTTP/1.1', 'GET /o1 HTTP/1.1', 'GET /k1 HTTP/1.1', 'GET /k2 HTTP/1.1'],
  );
});
