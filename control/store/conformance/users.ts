import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newUser, outcomes, rejectsWith, type Ctx } from './fixtures.js';

export function userSuite(ctx: Ctx): void {
  describe('users', () => {
    it('makes the first user admin whatever role was asked, later users get the role asked', async () => {
      const s = ctx.store();
      const first = await s.users.create(newUser('first@example.com', { role: 'viewer' }));
      const second = await s.users.create(newUser('second@example.com', { role: 'viewer' }));
      assert.equal(first.role, 'admin');
      assert.equal(second.role, 'viewer');
      assert.notEqual(first.id, second.id);
      assert.equal(await s.users.count(), 2);
      assert.deepEqual((await s.users.list()).map((u) => u.id).sort(), [first.id, second.id].sort());
    });

    it('round-trips every field and finds users by id, email (any case) and Google id', async () => {
      const s = ctx.store();
      const u = await s.users.create(newUser('Mixed.Case@Example.COM', { name: 'Ada', passwordHash: null, googleId: 'g-123' }));
      assert.equal(u.email, 'mixed.case@example.com');
      assert.equal(u.name, 'Ada');
      assert.equal(u.passwordHash, null);
      assert.equal(u.googleId, 'g-123');
      assert.equal(typeof u.createdAt, 'number');
      assert.deepEqual(await s.users.get(u.id), u);
      assert.deepEqual(await s.users.getByEmail('MIXED.case@example.com'), u);
      assert.deepEqual(await s.users.getByGoogleId('g-123'), u);
      assert.equal(await s.users.get('no-such-id'), null);
      assert.equal(await s.users.getByEmail('nobody@example.com'), null);
      assert.equal(await s.users.getByGoogleId('g-999'), null);
    });

    it('refuses a duplicate email in a different case with DF_ERR_EMAIL_TAKEN', async () => {
      const s = ctx.store();
      await s.users.create(newUser('dup@example.com'));
      await rejectsWith(s.users.create(newUser('DUP@Example.com')), 'DF_ERR_EMAIL_TAKEN');
      assert.equal(await s.users.count(), 1);
    });

    it('refuses a duplicate Google id with DF_ERR_CONFLICT but allows many users without one', async () => {
      const s = ctx.store();
      await s.users.create(newUser('a@example.com', { googleId: 'g-1' }));
      await rejectsWith(s.users.create(newUser('b@example.com', { googleId: 'g-1' })), 'DF_ERR_CONFLICT');
      await s.users.create(newUser('c@example.com'));
      await s.users.create(newUser('d@example.com'));
      assert.equal(await s.users.count(), 3);
    });

    it('gives admin to exactly one of 5 concurrent first registrations', async () => {
      const s = ctx.store();
      const created = await Promise.all([1, 2, 3, 4, 5].map((i) => s.users.create(newUser(`racer${i}@example.com`))));
      assert.equal(created.filter((u) => u.role === 'admin').length, 1);
      const stored = await s.users.list();
      assert.equal(stored.length, 5);
      assert.equal(stored.filter((u) => u.role === 'admin').length, 1);
    });

    it('lets exactly one of 5 concurrent registrations of one email through', async () => {
      const s = ctx.store();
      const emails = ['same@example.com', 'SAME@example.com', 'Same@Example.com', 'same@EXAMPLE.COM', 'same@example.com'];
      const { ok, codes } = outcomes(await Promise.allSettled(emails.map((e) => s.users.create(newUser(e)))));
      assert.equal(ok.length, 1);
      assert.deepEqual(codes, Array(4).fill('DF_ERR_EMAIL_TAKEN'));
      assert.equal(await s.users.count(), 1);
      assert.equal(ok[0]?.role, 'admin');
    });

    it('updates only the fields given and returns null for an unknown user', async () => {
      const s = ctx.store();
      const admin = await s.users.create(newUser('admin@example.com'));
      const u = await s.users.create(newUser('dev@example.com', { googleId: 'g-dev' }));
      const updated = await s.users.update(u.id, { role: 'viewer', name: 'Renamed' });
      assert.deepEqual(updated, { ...u, role: 'viewer', name: 'Renamed' });
      assert.deepEqual(await s.users.get(u.id), updated);
      const unlinked = await s.users.update(u.id, { googleId: null, passwordHash: 'new-hash' });
      assert.equal(unlinked?.googleId, null);
      assert.equal(unlinked?.passwordHash, 'new-hash');
      assert.equal(await s.users.getByGoogleId('g-dev'), null);
      await s.users.update(admin.id, { googleId: 'g-admin' });
      await rejectsWith(s.users.update(u.id, { googleId: 'g-admin' }), 'DF_ERR_CONFLICT');
      assert.equal(await s.users.update('no-such-id', { name: 'x' }), null);
    });
  });
}
