// An absolute-form request-target (`GET http://host/path`) names its own host, which wins over
// the Host header (RFC 9112 §3.2.2): both engines route on it, forward it as Host and send the
// app origin-form, so an app never sees a host the gateway did not route (a poisoned reset link).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../common/log/logger.js';
import { createRoutePublisher } from '../common/routes/index.js';
import type { RunningService } from '../common/service.js';
import { startRedis, type TestRedis } from '../test/support/redis.js';
import { startGateway } from './index.js';
import { gatewayConfig, request, startUpstream, until, withGatewayEnv, type Upstream } from './testing/harness.js';

/** One raw request (its head completed with `Connection: close`) on a fresh connection; the whole answer. */
function raw(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`${head}Connection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

for (const engine of ['fast', 'http']) {
  describe(`absolute-form targets (${engine} engine)`, () => {
    let redis: TestRedis;
    let client: Redis;
    let gateway: RunningService;
    let web: Upstream;
    let other: Upstream;
    let port: number;

    before(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
      const config = await gatewayConfig(redis.url);
      gateway = await withGatewayEnv({ GATEWAY_ENGINE: engine }, () => startGateway(config, createLogger('gateway', 'silent')));
      port = config.gatewayHttpPort;
      web = await startUpstream('web');
      other = await startUpstream('other');
      const pub = createRoutePublisher(client);
      await pub.setAppRoutes('web', ['web.paas.local'], [{ host: '127.0.0.1', port: web.port }]);
      await pub.setAppRoutes('other', ['other.paas.local'], [{ host: '127.0.0.1', port: other.port }]);
      await until(async () => (await request(port, 'other.paas.local')).status === 200, 'routes');
    });
    after(async () => {
      await gateway.stop();
      await web.close();
      await other.close();
      client.disconnect();
      await redis.stop();
    });

    it("routes on the target's host, forwards it as Host, and sends origin-form", async () => {
      const seen = other.seen.length;
      const answer = await raw(port, 'GET http://other.paas.local/reset?x=1 HTTP/1.1\r\nHost: web.paas.local\r\n');
      assert.match(answer, /^HTTP\/1\.1 200/);
      assert.match(answer, /\r\nother GET \/reset\?x=1\r\n/, 'the app routed by the target got origin-form');
      assert.equal(other.seen[seen]?.host, 'other.paas.local');
    });

    it('never lets the app see a host it was not routed for', async () => {
      const seen = web.seen.length;
      const answer = await raw(port, 'GET http://attacker.example/reset HTTP/1.1\r\nHost: web.paas.local\r\n');
      assert.match(answer, /^HTTP\/1\.1 404/, 'attacker.example has no route');
      assert.equal(web.seen.length, seen, 'nothing reached the app');
    });

    /** A WebSocket upgrade to `target` (Host: web.paas.local); the answer's head. */
    const upgrade = (target: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () =>
          s.write(
            `GET ${target} HTTP/1.1\r\nHost: web.paas.local\r\n` +
              'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          ),
        );
        let out = '';
        s.on('data', (d: Buffer) => {
          out += d.toString('latin1');
          if (out.includes('\r\n\r\n')) {
            s.destroy();
            resolve(out);
          }
        });
        s.on('error', reject);
      });

    it('does the same for a WebSocket upgrade', async () => {
      const seen = other.seen.length;
      // ws:// is not an http(s) target: refused, never routed by Host.
      assert.match(await upgrade('ws://other.paas.local/live'), /^HTTP\/1\.1 400/);
      const upgraded = await upgrade('http://other.paas.local/live');
      assert.match(upgraded, /^HTTP\/1\.1 101/);
      assert.match(upgraded, /x-upstream: other/i);
      assert.equal(other.seen.at(-1)?.host, 'other.paas.local');
      assert.ok(other.seen.length > seen);
    });

    it('refuses userinfo and other schemes in the target', async () => {
      assert.match(await raw(port, 'GET http://u:p@web.paas.local/ HTTP/1.1\r\nHost: web.paas.local\r\n'), /^HTTP\/1\.1 400/);
      assert.match(await raw(port, 'GET ftp://web.paas.local/ HTTP/1.1\r\nHost: web.paas.local\r\n'), /^HTTP\/1\.1 400/);
    });
  });
}
