import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRefresh, rejectsWith, T0, type Ctx } from './fixtures.js';

export function refreshTokenSuite(ctx: Ctx): void {
  describe('refresh tokens', () => {
    it('rotates once: the successor is stored and a second rotation is refused', async () => {
      const s = ctx.store();
      const t = await s.refreshTokens.create(newRefresh('alice', 'fam-1'));
      assert.deepEqual(await s.refreshTokens.getByHash(t.tokenHash), t);
      const next = newRefresh('alice', 'fam-1', { createdAt: T0 + 1 });
      assert.equal(await s.refreshTokens.rotate(t.id, next, T0 + 1), true);
      assert.equal((await s.refreshTokens.getByHash(t.tokenHash))?.rotatedAt, T0 + 1);
      assert.deepEqual(await s.refreshTokens.getByHash(next.tokenHash), next);
      const replay = newRefresh('alice', 'fam-1');
      assert.equal(await s.refreshTokens.rotate(t.id, replay, T0 + 2), false);
      assert.equal(await s.refreshTokens.getByHash(replay.tokenHash), null);
      assert.equal((await s.refreshTokens.getByHash(t.tokenHash))?.rotatedAt, T0 + 1);
      assert.equal(await s.refreshTokens.rotate('no-such-id', newRefresh('alice', 'fam-1'), T0 + 3), false);
    });

    it('lets exactly one of two concurrent rotations win', async () => {
      const s = ctx.store();
      const t = await s.refreshTokens.create(newRefresh('alice', 'fam-1'));
      const a = newRefresh('alice', 'fam-1');
      const b = newRefresh('alice', 'fam-1');
      const results = await Promise.all([s.refreshTokens.rotate(t.id, a, T0 + 1), s.refreshTokens.rotate(t.id, b, T0 + 2)]);
      assert.deepEqual([...results].sort(), [false, true]);
      const stored = [await s.refreshTokens.getByHash(a.tokenHash), await s.refreshTokens.getByHash(b.tokenHash)];
      assert.equal(stored.filter((x) => x !== null).length, 1, 'only the winner’s successor is stored');
    });

    it('does not rotate a revoked token', async () => {
      const s = ctx.store();
      const t = await s.refreshTokens.create(newRefresh('alice', 'fam-1'));
      await s.refreshTokens.revokeFamily('fam-1', T0 + 1);
      const next = newRefresh('alice', 'fam-1');
      assert.equal(await s.refreshTokens.rotate(t.id, next, T0 + 2), false);
      assert.equal(await s.refreshTokens.getByHash(next.tokenHash), null);
    });

    it('revokes a whole family and nothing else, keeping the first revocation time', async () => {
      const s = ctx.store();
      const a1 = await s.refreshTokens.create(newRefresh('alice', 'fam-a'));
      const a2 = newRefresh('alice', 'fam-a');
      await s.refreshTokens.rotate(a1.id, a2, T0 + 1);
      const other = await s.refreshTokens.create(newRefresh('alice', 'fam-b'));
      await s.refreshTokens.revokeFamily('fam-a', T0 + 5);
      await s.refreshTokens.revokeFamily('fam-a', T0 + 9);
      assert.equal((await s.refreshTokens.getByHash(a1.tokenHash))?.revokedAt, T0 + 5);
      assert.equal((await s.refreshTokens.getByHash(a2.tokenHash))?.revokedAt, T0 + 5);
      assert.equal((await s.refreshTokens.getByHash(other.tokenHash))?.revokedAt, null);
    });

    it('revokes every token of one user and nobody else’s', async () => {
      const s = ctx.store();
      const a1 = await s.refreshTokens.create(newRefresh('alice', 'fam-a'));
      const a2 = await s.refreshTokens.create(newRefresh('alice', 'fam-b'));
      const b1 = await s.refreshTokens.create(newRefresh('bob', 'fam-c'));
      await s.refreshTokens.revokeAllForUser('alice', T0 + 7);
      assert.equal((await s.refreshTokens.getByHash(a1.tokenHash))?.revokedAt, T0 + 7);
      assert.equal((await s.refreshTokens.getByHash(a2.tokenHash))?.revokedAt, T0 + 7);
      assert.equal((await s.refreshTokens.getByHash(b1.tokenHash))?.revokedAt, null);
    });

    it('refuses a duplicate token hash with DF_ERR_CONFLICT', async () => {
      const s = ctx.store();
      const t = await s.refreshTokens.create(newRefresh('alice', 'fam-1'));
      await rejectsWith(s.refreshTokens.create(newRefresh('bob', 'fam-2', { tokenHash: t.tokenHash })), 'DF_ERR_CONFLICT');
      const clash = newRefresh('alice', 'fam-1', { tokenHash: t.tokenHash });
      await rejectsWith(s.refreshTokens.rotate(t.id, clash, T0 + 1), 'DF_ERR_CONFLICT');
      // A rotation whose successor could not be stored did not happen.
      assert.equal((await s.refreshTokens.getByHash(t.tokenHash))?.rotatedAt, null);
    });
  });
}
