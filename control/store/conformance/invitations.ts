import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Invitation } from '../types.js';
import { rejectsWith, T0, type Ctx } from './fixtures.js';

const DAY = 86_400_000;

const invitation = (over: Partial<Invitation> = {}): Invitation => ({
  id: randomUUID(),
  tokenHash: randomUUID().replaceAll('-', ''),
  email: 'ana@example.test',
  role: 'developer',
  app: null,
  invitedBy: 'admin',
  createdAt: T0,
  expiresAt: T0 + DAY,
  acceptedAt: null,
  revokedAt: null,
  ...over,
});

export function invitationSuite(ctx: Ctx): void {
  describe('invitations', () => {
    it('finds invitations by id and token hash, lists the pending ones (per app) and refuses a token twice', async () => {
      const s = ctx.store();
      const platform = await s.invitations.create(invitation());
      const shop = await s.invitations.create(invitation({ role: null, app: 'shop', createdAt: T0 + 1 }));
      const expired = await s.invitations.create(invitation({ app: 'shop', role: null, expiresAt: T0 + 10 }));
      assert.deepEqual(await s.invitations.get(platform.id), platform);
      assert.deepEqual(await s.invitations.getByTokenHash(shop.tokenHash), shop);
      assert.equal(await s.invitations.getByTokenHash('unknown'), null);
      assert.equal(await s.invitations.get('unknown'), null);
      assert.deepEqual(
        (await s.invitations.listPending(T0 + 100)).map((i) => i.id),
        [platform.id, shop.id],
      );
      assert.deepEqual((await s.invitations.listPending(T0 + 5)).map((i) => i.id).sort(), [platform.id, shop.id, expired.id].sort());
      assert.deepEqual(
        (await s.invitations.listPending(T0 + 100, 'shop')).map((i) => i.id),
        [shop.id],
      );
      assert.deepEqual(await s.invitations.listPending(T0 + 100, 'other'), []);
      await rejectsWith(s.invitations.create(invitation({ tokenHash: platform.tokenHash })), 'DF_ERR_CONFLICT');
    });

    it('accepts an invitation once, never after it expired or was revoked; of parallel acceptances one wins', async () => {
      const s = ctx.store();
      const a = await s.invitations.create(invitation());
      const results = await Promise.all(Array.from({ length: 8 }, () => s.invitations.accept(a.id, T0 + 5)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await s.invitations.get(a.id))?.acceptedAt, T0 + 5);
      assert.equal(await s.invitations.revoke(a.id, T0 + 6), false, 'an accepted invitation cannot be revoked');
      assert.deepEqual(await s.invitations.listPending(T0 + 6), []);

      const late = await s.invitations.create(invitation({ expiresAt: T0 + 10 }));
      assert.equal(await s.invitations.accept(late.id, T0 + 10), false, 'expired at expiresAt');
      const revoked = await s.invitations.create(invitation());
      assert.equal(await s.invitations.revoke(revoked.id, T0 + 1), true);
      assert.equal(await s.invitations.revoke(revoked.id, T0 + 2), false);
      assert.equal(await s.invitations.accept(revoked.id, T0 + 3), false);
      assert.equal((await s.invitations.get(revoked.id))?.revokedAt, T0 + 1);
      assert.equal(await s.invitations.accept('unknown', T0), false);
    });

    it('releases an acceptance whose purpose failed, so the invitation can be used again', async () => {
      const s = ctx.store();
      const a = await s.invitations.create(invitation());
      assert.equal(await s.invitations.accept(a.id, T0 + 5), true);
      await s.invitations.release(a.id, T0 + 4);
      assert.equal((await s.invitations.get(a.id))?.acceptedAt, T0 + 5, 'only the acceptance made at that time is undone');
      await s.invitations.release(a.id, T0 + 5);
      assert.equal((await s.invitations.get(a.id))?.acceptedAt, null);
      assert.equal(await s.invitations.accept(a.id, T0 + 6), true);
    });

    it('revokes every pending invitation of a deleted app and nothing else', async () => {
      const s = ctx.store();
      const one = await s.invitations.create(invitation({ app: 'shop', role: null }));
      const two = await s.invitations.create(invitation({ app: 'shop', role: null }));
      const used = await s.invitations.create(invitation({ app: 'shop', role: null }));
      await s.invitations.accept(used.id, T0 + 1);
      const other = await s.invitations.create(invitation({ app: 'blog', role: null }));
      const platform = await s.invitations.create(invitation());
      assert.equal(await s.invitations.revokeForApp('shop', T0 + 2), 2);
      assert.equal((await s.invitations.get(one.id))?.revokedAt, T0 + 2);
      assert.equal((await s.invitations.get(two.id))?.revokedAt, T0 + 2);
      assert.equal((await s.invitations.get(used.id))?.revokedAt, null);
      assert.deepEqual((await s.invitations.listPending(T0 + 3)).map((i) => i.id).sort(), [other.id, platform.id].sort());
    });
  });
}
