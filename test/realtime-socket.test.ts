// Socket.IO on control: the handshake needs a token, every subscription is authorized like the
// REST API, events reach the right rooms only, a reconnecting client gets the lines it missed
// (from memory and from the stored log), notifications reach their user, and with Redis two
// control instances share rooms.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from '../control/store/types.js';
import type { ControlEventBus } from '../control/server/events.js';
import { addCollaborator, registerUser, startTestControl, type TestControl } from './support/control.js';
import { connectSocket } from './support/realtime.js';
import { startRedis, type TestRedis } from './support/redis.js';

const APP = 'live-app';

function deployment(over: Partial<Deployment> = {}): Deployment {
  return {
    id: randomUUID(),
    app: APP,
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
    ...over,
  };
}

describe('realtime', () => {
  let redis: TestRedis;
  let control: TestControl;
  let second: TestControl;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let stranger: Awaited<ReturnType<typeof registerUser>>;
  let viewer: Awaited<ReturnType<typeof registerUser>>;
  const emit: ControlEventBus['emit'] = (...args) => control.service.deps.events.emit(...args);

  before(async () => {
    redis = await startRedis();
    control = await startTestControl({ REDIS_URL: redis.url });
    // A second instance on the same store and Redis, as in the production layout (with MongoDB;
    // here the test-only shared SQLite stands in for it).
    second = await startTestControl({ REDIS_URL: redis.url, DEPLOYFLOW_TEST_SHARED_SQLITE: 'on' }, control.dataDir);
    const admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    stranger = await registerUser(control.url);
    viewer = await registerUser(control.url, 'viewer', admin);
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    await addCollaborator(owner, APP, viewer);
  });
  after(async () => {
    await second.stop(false);
    await control.stop();
    await redis.stop();
  });

  it('refuses a handshake without a token or with a bad one', async () => {
    await assert.rejects(connectSocket(control.url, undefined), { code: 'DF_ERR_UNAUTHENTICATED' });
    await assert.rejects(connectSocket(control.url, 'not-a-token'), { code: 'DF_ERR_INVALID_TOKEN' });
    await assert.rejects(connectSocket(control.url, 'dfp_unknown'), { code: 'DF_ERR_INVALID_TOKEN' });
  });

  it('accepts an API token and authorizes each subscription like the REST API', async () => {
    const apiToken = (await owner.post('/api/v1/tokens', { name: 'socket' })).body.token as string;
    const mine = await connectSocket(control.url, apiToken);
    const theirs = await connectSocket(control.url, stranger.token!);
    const watcher = await connectSocket(control.url, viewer.token!);
    try {
      assert.deepEqual(await mine.request('subscribe', { app: APP, stream: 'logs' }), { ok: true });
      assert.deepEqual(await watcher.request('subscribe', { app: APP, stream: 'metrics' }), { ok: true });
      const refused = await theirs.request('subscribe', { app: APP, stream: 'logs' });
      assert.equal(refused.ok, false);
      assert.equal(refused.error.code, 'DF_ERR_APP_NOT_FOUND');
      assert.equal((await theirs.request('subscribe', { app: 'no-such-app', stream: 'logs' })).error.code, 'DF_ERR_APP_NOT_FOUND');
      assert.equal((await theirs.request('subscribe', { app: '../etc', stream: 'logs' })).error.code, 'DF_ERR_INVALID_APP_NAME');
      assert.equal((await theirs.request('subscribe', { room: 'app:live-app:logs' })).error.code, 'DF_ERR_VALIDATION');
      const d = await control.service.deps.store.deployments.create(deployment());
      assert.equal((await theirs.request('subscribe', { deploymentId: d.id })).error.code, 'DF_ERR_NOT_FOUND');
      assert.equal((await theirs.request('subscribe', { deploymentId: randomUUID() })).error.code, 'DF_ERR_NOT_FOUND');

      emit('app.log', { app: APP, replica: 'r1', line: 'hello from the container', at: Date.now(), stream: 'stdout' });
      emit('app.metrics', {
        app: APP,
        sample: {
          at: Date.now(),
          cpuPercent: 12.5,
          memoryBytes: 1e7,
          memoryLimitBytes: 2.6e8,
          networkRxBytes: 10,
          networkTxBytes: 20,
          replicas: [],
        },
      });
      assert.equal((await mine.waitFor('app:log'))[0].line, 'hello from the container');
      assert.equal((await watcher.waitFor('app:metrics'))[0].sample.cpuPercent, 12.5);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(theirs.events.get('app:log')!.length, 0);
      assert.equal(theirs.events.get('app:metrics')!.length, 0);
      assert.equal(mine.events.get('app:metrics')!.length, 0, 'only the subscribed stream arrives');
    } finally {
      mine.close();
      theirs.close();
      watcher.close();
    }
  });

  it('starts one log follower per app while someone watches, and stops it when the last leaves', async () => {
    const followers = control.service.realtime.realtime.followers;
    const a = await connectSocket(control.url, owner.token!);
    const b = await connectSocket(control.url, viewer.token!);
    await a.request('subscribe', { app: APP, stream: 'logs' });
    await a.request('subscribe', { app: APP, stream: 'logs' });
    await b.request('subscribe', { app: APP, stream: 'logs' });
    assert.equal(followers.watching(APP), 2);
    assert.deepEqual(await a.request('unsubscribe', { app: APP, stream: 'logs' }), { ok: true });
    assert.equal(followers.watching(APP), 1);
    b.close();
    for (let i = 0; i < 50 && followers.watching(APP) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(followers.watching(APP), 0);
    a.close();
  });

  it('streams numbered deployment lines and statuses, and replays what a reconnecting client missed', async () => {
    const d = await control.service.deps.store.deployments.create(deployment());
    const first = await connectSocket(control.url, owner.token!);
    assert.equal((await first.request('subscribe', { deploymentId: d.id })).ok, true);
    const statusWatcher = await connectSocket(control.url, viewer.token!);
    await statusWatcher.request('subscribe', { app: APP, stream: 'status' });
    for (let i = 0; i < 5; i++) emit('deployment.log', { deploymentId: d.id, app: APP, line: `line ${i}`, at: Date.now() });
    const got = await first.waitFor('deployment:log', 5);
    assert.deepEqual(
      got.map((l) => [l.seq, l.line]),
      [0, 1, 2, 3, 4].map((i) => [i, `line ${i}`]),
    );
    first.close();
    // Lines written while the client is away, then a reconnect that has lines 0-1.
    for (let i = 5; i < 8; i++) emit('deployment.log', { deploymentId: d.id, app: APP, line: `line ${i}`, at: Date.now() });
    const again = await connectSocket(control.url, owner.token!);
    const ack = await again.request('subscribe', { deploymentId: d.id, offset: 2 });
    assert.equal(ack.replayed, 6);
    emit('deployment.log', { deploymentId: d.id, app: APP, line: 'line 8', at: Date.now() });
    const replayed = await again.waitFor('deployment:log', 7);
    assert.deepEqual(
      replayed.map((l) => l.seq),
      [2, 3, 4, 5, 6, 7, 8],
    );
    const updated = await control.service.deps.store.deployments.update(d.id, { status: 'running', finishedAt: Date.now() });
    emit('deployment.status', updated!);
    assert.equal((await again.waitFor('deployment:status'))[0].status, 'running');
    assert.equal((await statusWatcher.waitFor('deployment:status'))[0].id, d.id);
    again.close();
    statusWatcher.close();
  });

  it('replays from the stored log when this instance never saw the lines', async () => {
    const d = await control.service.deps.store.deployments.create(deployment({ status: 'running' }));
    await control.service.deps.store.deployments.appendLog(d.id, '-----> Building\nstep 1\n<b>not html</b>\n');
    const client = await connectSocket(second.url, owner.token!);
    const ack = await client.request('subscribe', { deploymentId: d.id, offset: 1 });
    assert.deepEqual(ack, { ok: true, status: 'running', replayed: 2 });
    const lines = await client.waitFor('deployment:log', 2);
    assert.deepEqual(
      lines.map((l) => [l.seq, l.line]),
      [
        [1, 'step 1'],
        [2, '<b>not html</b>'],
      ],
    );
    client.close();
  });

  it('shares rooms between control instances through the Redis adapter', async () => {
    const d = await control.service.deps.store.deployments.create(deployment());
    const onSecond = await connectSocket(second.url, owner.token!);
    const strangerOnSecond = await connectSocket(second.url, stranger.token!);
    assert.equal((await onSecond.request('subscribe', { deploymentId: d.id })).ok, true);
    // The deploy runs in the first instance; its lines reach a client of the second.
    emit('deployment.log', { deploymentId: d.id, app: APP, line: 'built on instance one', at: Date.now() });
    assert.equal((await onSecond.waitFor('deployment:log'))[0].line, 'built on instance one');
    emit('deployment.status', { ...d, status: 'running' });
    const notes = await onSecond.waitFor('notification');
    assert.equal(notes[0].kind, 'deploy.succeeded');
    assert.equal(notes[0].userId, undefined);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(strangerOnSecond.events.get('notification')!.length, 0);
    assert.equal(strangerOnSecond.events.get('deployment:log')!.length, 0);
    onSecond.close();
    strangerOnSecond.close();
  });
});
