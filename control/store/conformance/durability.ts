import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApp, newAudit, newDeployment, newRefresh, newUser, T0, type Ctx } from './fixtures.js';

export function durabilitySuite(ctx: Ctx): void {
  describe('durability', () => {
    it('answers ping while open', async () => {
      assert.equal(await ctx.store().ping(), true);
    });

    it(
      'keeps every kind of record across close and reopen',
      { skip: ctx.reopen ? false : 'this backend gave no way to reopen' },
      async () => {
        const reopen = ctx.reopen;
        assert.ok(reopen);
        const s = ctx.store();
        const user = await s.users.create(newUser('keep@example.com'));
        const app = await s.apps.create(newApp('kept', user.id, { collaboratorIds: ['helper'], domains: ['kept.example.com'] }), 5);
        await s.env.apply('kept', { SECRET: 'v1:ciphertext\nwith newline' });
        const d = await s.deployments.create(newDeployment('kept', T0, { status: 'running' }));
        await s.deployments.appendLog(d.id, 'first\n');
        await s.deployments.appendLog(d.id, 'second\n');
        const token = await s.apiTokens.create({
          id: 'tok-1',
          userId: user.id,
          name: 'ci',
          tokenHash: 'h1',
          createdAt: T0,
          lastUsedAt: null,
        });
        const refresh = await s.refreshTokens.create(newRefresh(user.id, 'fam-1'));
        const key = await s.sshKeys.create({
          id: 'key-1',
          userId: user.id,
          name: 'laptop',
          publicKey: 'ssh-ed25519 AAAA me',
          fingerprint: 'SHA256:k',
          createdAt: T0,
        });
        const event = newAudit(T0, { actorId: user.id, details: { app: 'kept' } });
        await s.audit.append(event);
        await s.settings.set('registration', { open: false });

        const r = await reopen();
        assert.notEqual(r, s);
        assert.deepEqual(await r.users.get(user.id), user);
        assert.deepEqual(await r.apps.get('kept'), app);
        assert.deepEqual(await r.apps.listForUser('helper'), [app]);
        assert.deepEqual(await r.env.get('kept'), { SECRET: 'v1:ciphertext\nwith newline' });
        assert.deepEqual(await r.deployments.get(d.id), d);
        assert.equal(await r.deployments.getLog(d.id), 'first\nsecond\n');
        assert.deepEqual(await r.apiTokens.getByHash('h1'), token);
        assert.deepEqual(await r.refreshTokens.getByHash(refresh.tokenHash), refresh);
        assert.deepEqual(await r.sshKeys.getByFingerprint('SHA256:k'), key);
        assert.deepEqual(await r.audit.query({}), [event]);
        assert.deepEqual(await r.settings.get('registration'), { open: false });
        // The first-admin rule must not fire again after a restart.
        assert.equal((await r.users.create(newUser('later@example.com', { role: 'viewer' }))).role, 'viewer');
        // Neither may the quota forget what exists.
        await assert.rejects(r.apps.create(newApp('kept', user.id), 5), { code: 'DF_ERR_APP_EXISTS' });
        assert.equal(await r.apps.countOwnedBy(user.id), 1);
      },
    );
  });
}
