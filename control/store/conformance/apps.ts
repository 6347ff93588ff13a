import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApp, newDeployment, outcomes, rejectsWith, T0, type Ctx } from './fixtures.js';

export function appSuite(ctx: Ctx): void {
  describe('apps', () => {
    it('round-trips every field and lists apps by name', async () => {
      const s = ctx.store();
      const app = newApp('web', 'owner-1', {
        collaboratorIds: ['u-b', 'u-a'],
        replicas: 3,
        limits: { memoryMb: 512, cpus: 1.5 },
        healthcheck: { path: '/healthz' },
        port: 8080,
        domains: ['example.com', 'www.example.com'],
        webhookSecret: 'whsec',
        createdAt: T0,
        updatedAt: T0 + 1,
        volumes: [
          { name: 'uploads', path: '/srv/uploads' },
          { name: 'cache', path: '/cache' },
        ],
        deployBranch: 'production',
      });
      assert.deepEqual(await s.apps.create(app, 10), app);
      assert.deepEqual(await s.apps.get('web'), app);
      await s.apps.create(newApp('api-a', 'owner-1'), 10);
      assert.deepEqual(
        (await s.apps.list()).map((a) => a.name),
        ['api-a', 'web'],
      );
      assert.equal(await s.apps.get('nope'), null);
      const patched = await s.apps.update('web', { volumes: [{ name: 'data', path: '/data' }], deployBranch: 'main' });
      assert.deepEqual(patched?.volumes, [{ name: 'data', path: '/data' }]);
      assert.equal((await s.apps.get('web'))?.deployBranch, 'main');
    });

    it('round-trips the edge settings, defaults first, each patched alone', async () => {
      const s = ctx.store();
      const created = await s.apps.create(newApp('edge', 'owner-1'), 10);
      assert.deepEqual(created.scaleToZero, { idleSeconds: 0 });
      assert.equal(created.autoscale, null);
      assert.deepEqual(created.plugins, []);
      assert.equal(created.balance, 'round-robin');
      assert.equal(created.httpsRedirect, false);
      await s.apps.update('edge', { scaleToZero: { idleSeconds: 300 } });
      await s.apps.update('edge', { autoscale: { minReplicas: 0, maxReplicas: 4, target: { rps: 40 } } });
      await s.apps.update('edge', { plugins: [{ name: 'headers', config: { response: { add: { 'x-a': '1' } } } }] });
      await s.apps.update('edge', { balance: 'least-connections', httpsRedirect: true });
      const got = await s.apps.get('edge');
      assert.deepEqual(got?.scaleToZero, { idleSeconds: 300 });
      assert.deepEqual(got?.autoscale, { minReplicas: 0, maxReplicas: 4, target: { rps: 40 } });
      assert.deepEqual(got?.plugins, [{ name: 'headers', config: { response: { add: { 'x-a': '1' } } } }]);
      assert.equal(got?.balance, 'least-connections');
      assert.equal(got?.httpsRedirect, true);
      assert.deepEqual((await s.apps.update('edge', { autoscale: null }))?.autoscale, null);
    });

    it('refuses a taken name with DF_ERR_APP_EXISTS, for any owner, without using up quota', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('taken', 'owner-1'), 5);
      await rejectsWith(s.apps.create(newApp('taken', 'owner-2'), 5), 'DF_ERR_APP_EXISTS');
      await rejectsWith(s.apps.create(newApp('taken', 'owner-2'), 1), 'DF_ERR_APP_EXISTS');
      assert.equal((await s.apps.get('taken'))?.ownerId, 'owner-1');
      assert.equal(await s.apps.countOwnedBy('owner-2'), 0);
      await s.apps.create(newApp('mine', 'owner-2'), 1);
      assert.equal(await s.apps.countOwnedBy('owner-2'), 1);
    });

    it('refuses an app over the owner quota with DF_ERR_QUOTA_EXCEEDED, per owner', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('one', 'owner-1'), 2);
      await s.apps.create(newApp('two', 'owner-1'), 2);
      await rejectsWith(s.apps.create(newApp('three', 'owner-1'), 2), 'DF_ERR_QUOTA_EXCEEDED');
      await s.apps.create(newApp('other', 'owner-2'), 2);
      assert.equal(await s.apps.countOwnedBy('owner-1'), 2);
      assert.equal(await s.apps.get('three'), null);
    });

    it('lets exactly 3 of 10 concurrent creates through a quota of 3', async () => {
      const s = ctx.store();
      const names = Array.from({ length: 10 }, (_, i) => `racer-${i}`);
      const { ok, codes } = outcomes(await Promise.allSettled(names.map((n) => s.apps.create(newApp(n, 'owner-1'), 3))));
      assert.equal(ok.length, 3);
      assert.deepEqual(codes, Array(7).fill('DF_ERR_QUOTA_EXCEEDED'));
      assert.equal(await s.apps.countOwnedBy('owner-1'), 3);
      assert.deepEqual(
        (await s.apps.list()).map((a) => a.name),
        ok.map((a) => a.name).sort(),
      );
    });

    it('frees quota when an app is deleted', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('first', 'owner-1'), 1);
      await rejectsWith(s.apps.create(newApp('second', 'owner-1'), 1), 'DF_ERR_QUOTA_EXCEEDED');
      assert.equal(await s.apps.delete('first'), true);
      assert.equal(await s.apps.delete('first'), false);
      await s.apps.create(newApp('second', 'owner-1'), 1);
      assert.equal(await s.apps.countOwnedBy('owner-1'), 1);
    });

    it('updates only the fields given, replaces collaborators, and returns null for an unknown app', async () => {
      const s = ctx.store();
      const app = await s.apps.create(newApp('web', 'owner-1', { collaboratorIds: ['u-1'], domains: ['a.example.com'] }), 5);
      const updated = await s.apps.update('web', { replicas: 4, limits: { memoryMb: 1024, cpus: 2 }, collaboratorIds: ['u-2', 'u-3'] });
      assert.ok(updated);
      assert.equal(updated.replicas, 4);
      assert.deepEqual(updated.limits, { memoryMb: 1024, cpus: 2 });
      assert.deepEqual(updated.collaboratorIds, ['u-2', 'u-3']);
      assert.deepEqual(updated.domains, ['a.example.com']);
      assert.equal(updated.port, app.port);
      assert.equal(updated.ownerId, 'owner-1');
      assert.equal(updated.createdAt, app.createdAt);
      assert.ok(updated.updatedAt >= app.updatedAt);
      assert.deepEqual(await s.apps.get('web'), updated);
      const cleared = await s.apps.update('web', { webhookSecret: 'sec', domains: [], collaboratorIds: [] });
      assert.equal(cleared?.webhookSecret, 'sec');
      assert.deepEqual(cleared?.domains, []);
      assert.deepEqual(cleared?.collaboratorIds, []);
      assert.equal(await s.apps.update('nope', { replicas: 2 }), null);
    });

    it('lists for a user exactly the apps they own or collaborate on', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('owned', 'alice'), 5);
      await s.apps.create(newApp('shared', 'bob', { collaboratorIds: ['alice', 'carol'] }), 5);
      await s.apps.create(newApp('bobs', 'bob', { collaboratorIds: ['carol'] }), 5);
      await s.apps.create(newApp('carols', 'carol'), 5);
      assert.deepEqual(
        (await s.apps.listForUser('alice')).map((a) => a.name),
        ['owned', 'shared'],
      );
      assert.deepEqual(
        (await s.apps.listForUser('bob')).map((a) => a.name),
        ['bobs', 'shared'],
      );
      assert.deepEqual(
        (await s.apps.listForUser('carol')).map((a) => a.name),
        ['bobs', 'carols', 'shared'],
      );
      assert.deepEqual(await s.apps.listForUser('mallory'), []);
      await s.apps.update('shared', { collaboratorIds: ['carol'] });
      assert.deepEqual(
        (await s.apps.listForUser('alice')).map((a) => a.name),
        ['owned'],
      );
    });

    it('deletes an app with its env vars, collaborators and deployments', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('gone', 'owner-1', { collaboratorIds: ['helper'] }), 5);
      await s.env.apply('gone', { SECRET: 'ciphertext-1', OTHER: 'ciphertext-2' });
      const d = await s.deployments.create(newDeployment('gone', T0));
      await s.deployments.appendLog(d.id, 'old build log\n');
      await s.apps.create(newApp('kept', 'owner-1'), 5);
      await s.env.apply('kept', { KEEP: 'yes' });
      assert.equal(await s.apps.delete('gone'), true);
      assert.equal(await s.apps.get('gone'), null);
      assert.deepEqual(await s.env.get('gone'), {});
      assert.deepEqual(await s.apps.listForUser('helper'), []);
      assert.deepEqual(await s.deployments.listByApp('gone'), []);
      assert.equal(await s.deployments.get(d.id), null);
      assert.equal(await s.deployments.getLog(d.id), '');
      // A new app of the same name starts clean.
      const again = await s.apps.create(newApp('gone', 'owner-2'), 5);
      assert.deepEqual(again.collaboratorIds, []);
      assert.deepEqual(await s.env.get('gone'), {});
      assert.deepEqual(await s.env.get('kept'), { KEEP: 'yes' });
    });
  });
}
