// Apps API through real HTTP: names, duplicates, quota, visibility, patch, delete, collaborators.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addCollaborator, registerUser, startTestControl, type TestControl } from './support/control.js';

describe('apps API', () => {
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let dev: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    control = await startTestControl({ DEPLOYFLOW_APP_QUOTA: '3', DEPLOYFLOW_DOMAIN: 'paas.test', GATEWAY_HTTP_PORT: '8080' });
    admin = await registerUser(control.url);
    dev = await registerUser(control.url);
  });
  after(() => control.stop());

  it('creates an app with its URL and git remotes', async () => {
    const res = await dev.post('/api/v1/apps', { name: 'shop' });
    assert.equal(res.status, 201);
    assert.equal(res.body.name, 'shop');
    assert.equal(res.body.url, 'http://shop.paas.test:8080');
    assert.match(res.body.gitUrls.http, /\/shop\.git$/);
    assert.match(res.body.gitUrls.ssh, /^ssh:\/\/git@paas\.test:2222\/shop\.git$/);
    assert.equal(res.body.replicas, 1);
    assert.equal(res.body.ownerId, dev.userId);
    assert.equal((await dev.get('/api/v1/apps/shop')).body.name, 'shop');
  });

  it('refuses bad and reserved names with DF_ERR codes and creates nothing', async () => {
    const bad = ['A', 'Shop', '1abc', 'ab-', 'a', 'a_b', 'a.b', '../x', 'x'.repeat(64), 'shop;rm', 'xn--abc', '', ' shop', 'ab\n'];
    for (const name of bad) {
      const res = await dev.post('/api/v1/apps', { name });
      assert.equal(res.status, 400, `name ${JSON.stringify(name)}`);
      assert.equal(res.body.error.code, 'DF_ERR_INVALID_APP_NAME', `name ${JSON.stringify(name)}`);
    }
    for (const name of ['www', 'api', 'admin', 'git']) {
      const res = await dev.post('/api/v1/apps', { name });
      assert.equal(res.body.error.code, 'DF_ERR_RESERVED_NAME');
    }
    assert.equal((await dev.post('/api/v1/apps', { name: 42 })).body.error.code, 'DF_ERR_VALIDATION');
    const names = (await admin.get('/api/v1/apps')).body.map((a: { name: string }) => a.name);
    assert.deepEqual(names, ['shop']);
  });

  it('answers 409 for a duplicate name, also to another user', async () => {
    const res = await admin.post('/api/v1/apps', { name: 'shop' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'DF_ERR_APP_EXISTS');
  });

  it('enforces the per-user app quota', async () => {
    const user = await registerUser(control.url);
    for (const name of ['q-one', 'q-two', 'q-three']) assert.equal((await user.post('/api/v1/apps', { name })).status, 201);
    const over = await user.post('/api/v1/apps', { name: 'q-four' });
    assert.equal(over.status, 403);
    assert.equal(over.body.error.code, 'DF_ERR_QUOTA_EXCEEDED');
    assert.equal((await user.get('/api/v1/apps')).body.length, 3);
  });

  it('lists only the apps the caller may see; admins see all', async () => {
    const stranger = await registerUser(control.url);
    assert.deepEqual((await stranger.get('/api/v1/apps')).body, []);
    assert.ok((await admin.get('/api/v1/apps')).body.some((a: { name: string }) => a.name === 'shop'));
  });

  it('patches settings with validation', async () => {
    const ok = await dev.patch('/api/v1/apps/shop', {
      replicas: 2,
      limits: { memoryMb: 256, cpus: 0.5 },
      healthcheck: { path: '/healthz' },
      port: 8080,
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.replicas, 2);
    assert.deepEqual(ok.body.limits, { memoryMb: 256, cpus: 0.5 });
    for (const body of [
      { replicas: -1 },
      { replicas: 1.5 },
      { port: 70000 },
      { healthcheck: { path: 'no-slash' } },
      { unknown: 1 },
      { limits: { memoryMb: 1 } },
    ]) {
      const res = await dev.patch('/api/v1/apps/shop', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'DF_ERR_VALIDATION');
    }
    assert.equal((await dev.get('/api/v1/apps/shop')).body.replicas, 2);
    const volumes = await dev.patch('/api/v1/apps/shop', {
      volumes: [{ name: 'uploads', path: '/srv/uploads' }],
      deployBranch: 'production',
    });
    assert.deepEqual(volumes.body.volumes, [{ name: 'uploads', path: '/srv/uploads' }]);
    assert.equal(volumes.body.deployBranch, 'production');
    assert.equal((await dev.patch('/api/v1/apps/shop', { volumes: [{ name: 'x', path: '/etc' }] })).body.error.code, 'DF_ERR_INVALID_PATH');
    assert.equal(
      (await dev.patch('/api/v1/apps/shop', { volumes: [{ name: 'x', path: '/a/../etc' }] })).body.error.code,
      'DF_ERR_INVALID_PATH',
    );
    assert.equal((await dev.patch('/api/v1/apps/shop', { deployBranch: '--upload-pack=x' })).body.error.code, 'DF_ERR_INVALID_REF');
    assert.equal(
      (await dev.patch('/api/v1/apps/shop', { volumes: [{ name: 'Bad Name', path: '/x' }] })).body.error.code,
      'DF_ERR_VALIDATION',
    );
    // Dots are refused here as the builder refuses them, not stored and failing every deploy after.
    assert.equal(
      (await dev.patch('/api/v1/apps/shop', { volumes: [{ name: 'data.v1', path: '/x' }] })).body.error.code,
      'DF_ERR_VALIDATION',
    );
    assert.deepEqual((await dev.get('/api/v1/apps/shop')).body.volumes, [{ name: 'uploads', path: '/srv/uploads' }]);
  });

  it('shares an app with a collaborator, who may operate but not delete it', async () => {
    const mate = await registerUser(control.url);
    assert.equal((await mate.get('/api/v1/apps/shop')).status, 404);
    await addCollaborator(dev, 'shop', mate);
    assert.equal((await mate.get('/api/v1/apps/shop')).status, 200);
    assert.deepEqual(
      (await mate.get('/api/v1/apps')).body.map((a: { name: string }) => a.name),
      ['shop'],
    );
    assert.equal((await mate.patch('/api/v1/apps/shop', { replicas: 1 })).status, 200);
    assert.equal((await mate.delete('/api/v1/apps/shop')).status, 403);
    assert.equal((await mate.post('/api/v1/apps/shop/collaborators', { email: admin.email })).status, 403);
    assert.equal((await dev.delete(`/api/v1/apps/shop/collaborators/${mate.userId}`)).status, 204);
    assert.equal((await mate.get('/api/v1/apps/shop')).status, 404);
  });

  it('keeps viewers read-only, even as collaborators', async () => {
    const viewer = await registerUser(control.url, 'viewer', admin);
    assert.equal((await viewer.post('/api/v1/apps', { name: 'viewer-app' })).status, 403);
    await addCollaborator(dev, 'shop', viewer);
    assert.equal((await viewer.get('/api/v1/apps/shop')).status, 200);
    assert.equal((await viewer.patch('/api/v1/apps/shop', { replicas: 3 })).status, 403);
  });

  it('deletes an app (owner only) and frees its name', async () => {
    await dev.post('/api/v1/apps', { name: 'short-lived' });
    await dev.put('/api/v1/apps/short-lived/env', { vars: { SECRET: 'x' } });
    assert.equal((await dev.delete('/api/v1/apps/short-lived')).status, 204);
    assert.equal((await dev.get('/api/v1/apps/short-lived')).status, 404);
    assert.equal((await dev.post('/api/v1/apps', { name: 'short-lived' })).status, 201);
    assert.deepEqual((await dev.get('/api/v1/apps/short-lived/env')).body.vars, {});
  });

  it('records every mutating action in the audit log, including refusals', async () => {
    const events = (await admin.get('/api/v1/audit?target=app:shop&limit=50')).body as {
      action: string;
      result: string;
      actorId: string;
      ip: string;
    }[];
    assert.ok(events.some((e) => e.action === 'app.create' && e.result === 'ok' && e.actorId === dev.userId && e.ip));
    assert.ok(events.some((e) => e.action === 'app.create' && e.result === 'error')); // the duplicate
    assert.ok(events.some((e) => e.action === 'app.update'));
    assert.ok(events.some((e) => e.action === 'app.collaborator.add'));
    const own = (await dev.get('/api/v1/audit')).body as { actorId: string }[];
    assert.ok(own.length > 0 && own.every((e) => e.actorId === dev.userId));
    assert.equal((await dev.get(`/api/v1/audit?actor=${admin.userId}`)).status, 403);
  });

  it("gives whoever creates an app of a freed name none of the old app's audit history", async () => {
    const first = await registerUser(control.url);
    const next = await registerUser(control.url);
    assert.equal((await first.post('/api/v1/apps', { name: 'reused' })).status, 201);
    await first.put('/api/v1/apps/reused/env', { vars: { DB_PASSWORD: 'x' } });
    assert.equal((await first.delete('/api/v1/apps/reused')).status, 204);
    await new Promise((r) => setTimeout(r, 5)); // a later millisecond than the old app's last event
    assert.equal((await next.post('/api/v1/apps', { name: 'reused' })).status, 201);
    const seen = (await next.get('/api/v1/audit?target=app:reused')).body as { action: string; actorId: string }[];
    assert.deepEqual(
      seen.map((e) => e.action),
      ['app.create'],
    );
    assert.ok(seen.every((e) => e.actorId === next.userId));
    // Admins still see the whole history of the name.
    const all = (await admin.get('/api/v1/audit?target=app:reused')).body as { action: string }[];
    assert.ok(all.some((e) => e.action === 'app.env.set') && all.some((e) => e.action === 'app.delete'));
  });

  it('lets a developer release only builds of apps they operate; admins any local image', async () => {
    const other = await registerUser(control.url);
    await other.post('/api/v1/apps', { name: 'victim' });
    await dev.post('/api/v1/apps', { name: 'mine-img' });
    for (const image of ['deployflow/victim:abc', 'busybox:latest', 'evil/deployflow/mine-img:1']) {
      const res = await dev.post('/api/v1/apps/mine-img/deployments', { image });
      assert.deepEqual([res.status, res.body.error.code], [403, 'DF_ERR_FORBIDDEN'], image);
    }
    // Past the check (neither image exists here, so those deployments then fail on their own).
    const own = await dev.post('/api/v1/apps/mine-img/deployments', { image: 'deployflow/mine-img:abc' });
    const byAdmin = await admin.post('/api/v1/apps/mine-img/deployments', { image: 'df-test-no-such-image:1' });
    for (const res of [own, byAdmin]) {
      assert.notEqual(res.body.error?.code, 'DF_ERR_FORBIDDEN', JSON.stringify(res.body));
      if (res.status !== 202) continue;
      for (let i = 0; i < 300; i++) {
        // settled before the control stops
        const d = (await admin.get(`/api/v1/deployments/${res.body.id}`)).body as { status: string };
        if (d.status === 'failed' || d.status === 'running') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
});
