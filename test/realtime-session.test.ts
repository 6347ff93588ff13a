// A socket does not outlive its credential: one opened with an access token is ended (with a
// reason) when the token expires, one opened with an API token when the token is revoked, both
// on its next subscribe and on the periodic lookup; a fresh token reconnects the same client.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'socket.io-client';
import { loadOrCreateSecret } from '../common/secrets/secrets.js';
import { listen } from '../common/net/listen.js';
import { ACCESS_TTL_SECONDS, TokenService } from '../control/auth/tokens.js';
import { attachRealtime, type Realtime } from '../control/realtime/server.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { connectSocket, type Collected } from './support/realtime.js';
import { startRedis, type TestRedis } from './support/redis.js';

const APP = 'session-app';

/** Resolves with the end reason the server sent and the disconnect reason, within `timeoutMs`. */
function ended(socket: Socket, timeoutMs: number): Promise<{ end: { code: string; message: string } | null; reason: string }> {
  let end: { code: string; message: string } | null = null;
  socket.on('session:end', (e: { code: string; message: string }) => {
    end = e;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve({ end, reason });
    });
  });
}

describe('realtime sessions end with their credentials', () => {
  let redis: TestRedis;
  let control: TestControl;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  const emitMetrics = (): boolean =>
    control.service.deps.events.emit('app.metrics', {
      app: APP,
      sample: { at: Date.now(), cpuPercent: 1, memoryBytes: 1, memoryLimitBytes: 1, networkRxBytes: 0, networkTxBytes: 0, replicas: [] },
    });

  before(async () => {
    redis = await startRedis();
    control = await startTestControl({ REDIS_URL: redis.url });
    owner = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
  });
  after(async () => {
    await control.stop();
    await redis.stop();
  });

  async function apiToken(): Promise<{ id: string; token: string }> {
    const res = await owner.post('/api/v1/tokens', { name: `socket-${Date.now()}` });
    assert.equal(res.status, 201);
    return { id: res.body.id as string, token: res.body.token as string };
  }

  it('ends a socket when its access token expires, and a fresh token reconnects it', async () => {
    const deps = control.service.deps;
    // The same key as control, with a clock set back so the token has ~2 s left in real time.
    const shortLived = new TokenService(
      deps.store,
      loadOrCreateSecret(control.dataDir, 'jwt'),
      () => Date.now() - (ACCESS_TTL_SECONDS - 2) * 1000,
    );
    const user = (await deps.store.users.get(owner.userId))!;
    const issuedAt = Date.now();
    const client = await connectSocket(control.url, await shortLived.issueAccess(user));
    try {
      assert.deepEqual(await client.request('subscribe', { app: APP, stream: 'metrics' }), { ok: true });
      emitMetrics();
      await client.waitFor('app:metrics', 1);
      const started = Date.now();
      const { end, reason } = await ended(client.socket, 6000);
      assert.ok(Date.now() - started < 4000, 'ended at the expiry, not at a later recheck');
      assert.ok(Date.now() - issuedAt >= 900, 'not ended before the token expired (it had 1-2 s left)');
      assert.equal(reason, 'io server disconnect');
      assert.equal(end?.code, 'DF_ERR_INVALID_TOKEN');
      assert.match(end!.message, /expired/);
      emitMetrics();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(client.events.get('app:metrics')!.length, 1, 'no event after the session ended');
      // What the dashboard does after its refresh flow: the same client, a fresh token.
      client.socket.auth = { token: owner.token! };
      await new Promise<void>((resolve, reject) => {
        client.socket.once('connect', () => resolve());
        client.socket.once('connect_error', reject);
        client.socket.connect();
      });
      assert.deepEqual(await client.request('subscribe', { app: APP, stream: 'metrics' }), { ok: true });
    } finally {
      client.close();
    }
  });

  it('ends an API-token socket on its next subscribe after the token is revoked', async () => {
    const { id, token } = await apiToken();
    const client = await connectSocket(control.url, token);
    try {
      assert.deepEqual(await client.request('subscribe', { app: APP, stream: 'logs' }), { ok: true });
      const done = ended(client.socket, 5000);
      assert.equal((await owner.delete(`/api/v1/tokens/${id}`)).status, 204);
      const refused = await client.request('subscribe', { app: APP, stream: 'metrics' });
      assert.equal(refused.error.code, 'DF_ERR_INVALID_TOKEN');
      const { end, reason } = await done;
      assert.equal(reason, 'io server disconnect');
      assert.match(end!.message, /no longer valid/);
      await assert.rejects(connectSocket(control.url, token), { code: 'DF_ERR_INVALID_TOKEN' });
    } finally {
      client.close();
    }
  });

  it('ends an idle API-token socket at the periodic lookup after the token is revoked', async () => {
    // A second Socket.IO server on the same dependencies, with a short lookup period.
    const server = http.createServer();
    const realtime: Realtime = attachRealtime(server, control.service.deps, { recheckMs: 200 });
    const port = await listen(server, 0, '127.0.0.1');
    let client: Collected | null = null;
    try {
      const { id, token } = await apiToken();
      client = await connectSocket(`http://127.0.0.1:${port}`, token);
      assert.deepEqual(await client.request('subscribe', { app: APP, stream: 'metrics' }), { ok: true });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(client.socket.connected, true, 'a valid token keeps its socket across lookups');
      const done = ended(client.socket, 3000);
      assert.equal((await owner.delete(`/api/v1/tokens/${id}`)).status, 204);
      const { end, reason } = await done;
      assert.equal(reason, 'io server disconnect');
      assert.equal(end?.code, 'DF_ERR_INVALID_TOKEN');
    } finally {
      client?.close();
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
