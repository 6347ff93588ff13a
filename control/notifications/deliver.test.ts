import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { postWebhook } from './deliver.js';

describe('notification webhook delivery', () => {
  let server: http.Server;
  let port = 0;
  let received = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      received += 1;
      req.resume();
      res.writeHead(req.url === '/redirect' ? 302 : 204, req.url === '/redirect' ? { location: '/x' } : {}).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses loopback targets, by literal address or by name, without sending anything', async () => {
    await assert.rejects(postWebhook(`http://127.0.0.1:${port}/`, 'hi'), /not public/);
    await assert.rejects(postWebhook(`http://localhost:${port}/`, 'hi'), /non-public/);
    await assert.rejects(postWebhook(`http://[::1]:${port}/`, 'hi'), /not public/);
    assert.equal(received, 0);
  });

  it('delivers when private URLs are allowed, and treats a redirect as a failure', async () => {
    await postWebhook(`http://localhost:${port}/ok`, 'hi', true);
    await assert.rejects(postWebhook(`http://127.0.0.1:${port}/redirect`, 'hi', true), /answered 302/);
    assert.equal(received, 2);
  });
});
