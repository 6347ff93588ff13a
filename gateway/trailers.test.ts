// Trailers of chunked messages in the fast engine, byte for byte: llhttp hands them to the same
// callback as a head's header fields, so they must end with their message — never become part of
// the next response on a pooled upstream socket (another client's) or of the next request.
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

void test("a chunked response's trailers never reach the next response on the same upstream socket", async () => {
  const host = 'trailers.paas.local';
  const app = await gw.app(host, (req) =>
    req.line.includes('/alice')
      ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nalice\r\n0\r\nSet-Cookie: session=alice-secret\r\nX-Trailer: 1\r\n\r\n'
      : '',
  );
  const alice = await gw.exchange(`GET /alice HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  assert.equal(alice.data, 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nalice\r\n0\r\n\r\n');
  const bob = await gw.exchange(`GET /bob HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  assert.equal(bob.data, echoed('GET /bob HTTP/1.1'));
  // Both went over one pooled socket: the parser that read Alice's trailers read Bob's response.
  assert.equal(app.requests[0]!.conn, app.requests[1]!.conn);
});

void test("a chunked request's trailers never reach the next request on the connection", async () => {
  const host = 'req-trailers.paas.local';
  const app = await gw.app(host, () => '');
  const r = await gw.exchange(
    `POST /a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer-Leak: 1\r\n\r\n` +
      `GET /b HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(r.data, echoed('POST /a HTTP/1.1', false) + echoed('GET /b HTTP/1.1'));
  assert.deepEqual(
    app.requests.map((q) => [q.line, q.body]),
    [
      ['POST /a HTTP/1.1', 'abc'],
      ['GET /b HTTP/1.1', ''],
    ],
  );
  const second = app.requests[1]!.head;
  assert.ok(!/x-trailer-leak/i.test(second), second);
  assert.equal(second.split('\r\n')[1], `Host: ${host}`);
});
