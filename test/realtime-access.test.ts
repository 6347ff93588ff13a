// Room membership follows access, not just the moment of `subscribe`: a collaborator removed
// from an app stops receiving its events at the next periodic recheck, a deleted app's
// subscribers leave its rooms at once (on every control instance), so whoever creates an app of
// the same name later streams to nobody else, and each socket is told which subscription ended.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { listen } from '../common/net/listen.js';
import { attachRealtime, type Realtime } from '../control/realtime/server.js';
import type { ControlDeps } from '../control/server/deps.js';
import type { Deployment } from '../control/store/types.js';
import { addCollaborator, registerUser, startTestControl, type TestControl } from './support/control.js';
import { connectSocket, type Collected } from './support/realtime.js';
import { startRedis, type TestRedis } from './support/redis.js';

type Ended = { app?: string; stream?: string; deploymentId?: string; code: string; message: string };

/** Collects the `subscription:end` notices a socket receives. */
function notices(client: Collected): Ended[] {
  const got: Ended[] = [];
  client.socket.on('subscription:end', (e: Ended) => got.push(e));
  return got;
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function deployment(app: string): Deployment {
  return {
    id: randomUUID(),
    app,
    status: 'building',
    commit: 'abc1234def',
    ref: 'refs/heads/main',
    image: null,
    source: 'git',
    createdBy: null,
    createdAt: Date.now(),
    finishedAt: null,
    error: null,
    errorCode: null,
  };
}

/** A second Socket.IO server on the same dependencies (so the same events), with its own recheck period. */
async function extraServer(deps: ControlDeps, recheckMs: number): Promise<{ url: string; realtime: Realtime; close(): Promise<void> }> {
  const server = http.createServer();
  const realtime = attachRealtime(server, deps, { recheckMs });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    realtime,
    async close() {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('realtime room membership follows access', () => {
  let redis: TestRedis;
  let control: TestControl;
  let second: TestControl;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let mate: Awaited<ReturnType<typeof registerUser>>;
  let other: Awaited<ReturnType<typeof registerUser>>;
  const log = (c: TestControl, app: string, line: string): boolean =>
    c.service.deps.events.emit('app.log', { app, replica: 'r1', line, at: Date.now(), stream: 'stdout' });
  const metrics = (c: TestControl, app: string, cpuPercent: number): boolean =>
    c.service.deps.events.emit('app.metrics', {
      app,
      sample: { at: Date.now(), cpuPercent, memoryBytes: 1, memoryLimitBytes: 1, networkRxBytes: 0, networkTxBytes: 0, replicas: [] },
    });

  before(async () => {
    redis = await startRedis();
    control = await startTestControl({ REDIS_URL: redis.url });
    // A second instance (the test-only shared SQLite stands in for MongoDB).
    second = await startTestControl({ REDIS_URL: redis.url, DEPLOYFLOW_TEST_SHARED_SQLITE: 'on' }, control.dataDir);
    await registerUser(control.url); // the first user is the admin
    owner = await registerUser(control.url);
    mate = await registerUser(control.url);
    other = await registerUser(control.url);
  });
  after(async () => {
    await second.stop(false);
    await control.stop();
    await redis.stop();
  });

  it('drops a removed collaborator from the app and deployment rooms at the next recheck, and keeps the owner', async () => {
    const APP = 'shared-app';
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    await addCollaborator(owner, APP, mate);
    const d = await control.service.deps.store.deployments.create(deployment(APP));
    const fast = await extraServer(control.service.deps, 200);
    const mine = await connectSocket(fast.url, owner.token!);
    const theirs = await connectSocket(fast.url, mate.token!);
    const ended = notices(theirs);
    try {
      for (const c of [mine, theirs]) {
        assert.deepEqual(await c.request('subscribe', { app: APP, stream: 'logs' }), { ok: true });
        assert.deepEqual(await c.request('subscribe', { app: APP, stream: 'metrics' }), { ok: true });
        assert.equal((await c.request('subscribe', { deploymentId: d.id })).ok, true);
      }
      assert.equal(fast.realtime.followers.watching(APP), 2);
      log(control, APP, 'before');
      await theirs.waitFor('app:log', 1);
      await pause(500);
      assert.equal(ended.length, 0, 'a collaborator keeps the rooms across rechecks while allowed');

      assert.equal((await owner.delete(`/api/v1/apps/${APP}/collaborators/${mate.userId}`)).status, 204);
      await until(() => ended.length >= 3, 'three subscription:end notices');
      assert.deepEqual(
        ended.map((e) => [e.app ?? e.deploymentId, e.stream ?? null, e.code]).sort(),
        [
          [APP, 'logs', 'DF_ERR_APP_NOT_FOUND'],
          [APP, 'metrics', 'DF_ERR_APP_NOT_FOUND'],
          [d.id, null, 'DF_ERR_NOT_FOUND'],
        ].sort(),
      );
      assert.equal(fast.realtime.followers.watching(APP), 1, 'the removed collaborator no longer holds a log follower');

      log(control, APP, 'after');
      metrics(control, APP, 42);
      control.service.deps.events.emit('deployment.log', { deploymentId: d.id, app: APP, line: 'built', at: Date.now() });
      control.service.deps.events.emit('deployment.status', { ...d, status: 'running' });
      assert.deepEqual(
        (await mine.waitFor('app:log', 2)).map((l) => l.line),
        ['before', 'after'],
      );
      assert.equal((await mine.waitFor('app:metrics', 1))[0].sample.cpuPercent, 42);
      await mine.waitFor('deployment:log', 1);
      await mine.waitFor('deployment:status', 1);
      await pause(200);
      assert.deepEqual(
        theirs.events.get('app:log')!.map((l) => (l as { line: string }).line),
        ['before'],
      );
      assert.equal(theirs.events.get('app:metrics')!.length, 0);
      assert.equal(theirs.events.get('deployment:log')!.length, 0);
      assert.equal(theirs.events.get('deployment:status')!.length, 0);
      assert.equal(theirs.socket.connected, true, 'only the rooms go, not the session');
      assert.equal((await theirs.request('subscribe', { app: APP, stream: 'logs' })).error.code, 'DF_ERR_APP_NOT_FOUND');
    } finally {
      mine.close();
      theirs.close();
      await fast.close();
    }
  });

  it('drops a removed collaborator at once, not at the next recheck (a minute by default)', async () => {
    const APP = 'quick-app';
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    await addCollaborator(owner, APP, mate);
    const theirs = await connectSocket(control.url, mate.token!);
    const ended = notices(theirs);
    try {
      assert.deepEqual(await theirs.request('subscribe', { app: APP, stream: 'logs' }), { ok: true });
      assert.equal((await owner.delete(`/api/v1/apps/${APP}/collaborators/${mate.userId}`)).status, 204);
      await until(() => ended.length >= 1, 'the subscription:end notice', 1000);
      log(control, APP, 'after removal');
      await pause(200);
      assert.equal(theirs.events.get('app:log')!.length, 0);
    } finally {
      theirs.close();
    }
  });

  it('looks each joined app up once per recheck, however many rooms of it a socket has joined', async () => {
    const APP = 'counted-app';
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    const deps = control.service.deps;
    const d1 = await deps.store.deployments.create(deployment(APP));
    const d2 = await deps.store.deployments.create(deployment(APP));
    let lookups = 0;
    const apps = new Proxy(deps.store.apps, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop !== 'get' || typeof value !== 'function') return value;
        return (name: string) => {
          if (name === APP) lookups += 1;
          return (value as (n: string) => unknown).call(target, name);
        };
      },
    });
    const store = new Proxy(deps.store, { get: (target, prop) => (prop === 'apps' ? apps : Reflect.get(target, prop, target)) });
    // Each recheck starts with one credential lookup: counting those counts the rechecks.
    let rechecks = 0;
    const tokens = new Proxy(deps.tokens, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'userForCredential') rechecks += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const fast = await extraServer({ ...deps, store, tokens }, 200);
    const client = await connectSocket(fast.url, owner.token!);
    try {
      for (const sub of [
        { app: APP, stream: 'logs' },
        { app: APP, stream: 'metrics' },
        { app: APP, stream: 'status' },
        { deploymentId: d1.id },
        { deploymentId: d2.id },
      ]) {
        assert.equal((await client.request('subscribe', sub)).ok, true);
      }
      lookups = 0;
      rechecks = 0;
      await pause(1100); // about five rechecks
      const [l, r] = [lookups, rechecks];
      assert.ok(r >= 2, `rechecks ran (${r})`);
      // The last recheck's app lookup may still be in flight.
      assert.ok(l === r || l === r - 1, `one app lookup per recheck for five rooms of it: ${l} lookups in ${r} rechecks`);
    } finally {
      client.close();
      await fast.close();
    }
  });

  it("a deleted app's subscribers leave its rooms at once; a new app of the same name streams only to its own users", async () => {
    const APP = 'reused-name';
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    const d = await control.service.deps.store.deployments.create(deployment(APP));
    // On this instance and on the other one: the deletion is handled by the first only.
    const here = await connectSocket(control.url, owner.token!);
    const there = await connectSocket(second.url, owner.token!);
    const endedHere = notices(here);
    const endedThere = notices(there);
    try {
      for (const c of [here, there]) {
        for (const sub of [
          { app: APP, stream: 'logs' },
          { app: APP, stream: 'metrics' },
          { app: APP, stream: 'status' },
          { deploymentId: d.id },
        ]) {
          assert.equal((await c.request('subscribe', sub)).ok, true);
        }
      }
      assert.equal(control.service.realtime.realtime.followers.watching(APP), 1);
      assert.equal(second.service.realtime.realtime.followers.watching(APP), 1);

      assert.equal((await owner.delete(`/api/v1/apps/${APP}`)).status, 204);
      // Well before the periodic recheck (a minute by default).
      await until(() => endedHere.length >= 4 && endedThere.length >= 4, 'the notices on both instances');
      assert.deepEqual(endedHere.map((e) => e.code).sort(), [
        'DF_ERR_APP_NOT_FOUND',
        'DF_ERR_APP_NOT_FOUND',
        'DF_ERR_APP_NOT_FOUND',
        'DF_ERR_NOT_FOUND',
      ]);
      assert.equal(control.service.realtime.realtime.followers.watching(APP), 0);
      assert.equal(second.service.realtime.realtime.followers.watching(APP), 0);

      // Another user creates an app of the same name and watches it on both instances.
      assert.equal((await other.post('/api/v1/apps', { name: APP })).status, 201);
      const newHere = await connectSocket(control.url, other.token!);
      const newThere = await connectSocket(second.url, other.token!);
      try {
        for (const c of [newHere, newThere]) {
          for (const stream of ['logs', 'metrics', 'status'])
            assert.deepEqual(await c.request('subscribe', { app: APP, stream }), { ok: true });
        }
        const fresh = await control.service.deps.store.deployments.create(deployment(APP));
        log(control, APP, 'secret on one');
        log(second, APP, 'secret on two');
        metrics(control, APP, 7);
        control.service.deps.events.emit('deployment.status', { ...fresh, status: 'running' });
        assert.equal((await newHere.waitFor('app:log', 1))[0].line, 'secret on one');
        assert.equal((await newThere.waitFor('app:log', 1))[0].line, 'secret on two');
        await newThere.waitFor('app:metrics', 1);
        await newThere.waitFor('deployment:status', 1);
        await pause(200);
        for (const c of [here, there]) {
          for (const kind of ['app:log', 'app:metrics', 'deployment:status', 'deployment:log']) {
            assert.equal(c.events.get(kind)!.length, 0, `no ${kind} of the new app reaches the old subscriber`);
          }
        }
      } finally {
        newHere.close();
        newThere.close();
      }
    } finally {
      here.close();
      there.close();
    }
  });
});
