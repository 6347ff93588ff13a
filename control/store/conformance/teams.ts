// Teams, app ownership moving between owners, and deleting a user with everything that is theirs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Team } from '../types.js';
import { newApp, newRefresh, newUser, outcomes, rejectsWith, T0, type Ctx } from './fixtures.js';

const team = (name: string, over: Partial<Team> = {}): Team => ({ id: randomUUID(), name, createdAt: T0, updatedAt: T0, ...over });

export function teamSuite(ctx: Ctx): void {
  describe('teams', () => {
    it("creates a team with its first admin, lists teams and a user's teams by name, renames and deletes", async () => {
      const s = ctx.store();
      const ops = await s.teams.create(team('ops'), 'alice');
      const web = await s.teams.create(team('web'), 'bob');
      assert.deepEqual(await s.teams.get(ops.id), ops);
      assert.equal(await s.teams.get('nope'), null);
      assert.deepEqual(
        (await s.teams.list()).map((t) => t.name),
        ['ops', 'web'],
      );
      assert.deepEqual(await s.teams.members(ops.id), [{ teamId: ops.id, userId: 'alice', role: 'admin', addedAt: T0 }]);
      await s.teams.setMember(web.id, 'alice', 'viewer', T0 + 1);
      assert.deepEqual(await s.teams.listForUser('alice'), [
        { team: ops, role: 'admin' },
        { team: web, role: 'viewer' },
      ]);
      assert.deepEqual(await s.teams.listForUser('mallory'), []);
      const renamed = await s.teams.rename(web.id, 'a-web', T0 + 5);
      assert.deepEqual(renamed, { ...web, name: 'a-web', updatedAt: T0 + 5 });
      assert.equal(await s.teams.rename('nope', 'x', T0), null);
      assert.deepEqual(
        (await s.teams.listForUser('alice')).map((m) => m.team.name),
        ['a-web', 'ops'],
      );
      assert.equal(await s.teams.delete(web.id), true);
      assert.equal(await s.teams.delete(web.id), false);
      assert.deepEqual(await s.teams.members(web.id), []);
      assert.deepEqual(
        (await s.teams.listForUser('alice')).map((m) => m.team.id),
        [ops.id],
      );
    });

    it('adds, changes and removes members, and never leaves a team without an admin', async () => {
      const s = ctx.store();
      const t = await s.teams.create(team('core'), 'alice');
      assert.deepEqual(await s.teams.setMember(t.id, 'bob', 'developer', T0 + 1), {
        teamId: t.id,
        userId: 'bob',
        role: 'developer',
        addedAt: T0 + 1,
      });
      assert.equal(await s.teams.setMember('no-team', 'bob', 'viewer', T0), null);
      assert.equal(await s.teams.roleOf(t.id, 'bob'), 'developer');
      assert.equal(await s.teams.roleOf(t.id, 'carol'), null);
      await rejectsWith(s.teams.setMember(t.id, 'alice', 'developer', T0), 'DF_ERR_CONFLICT');
      await rejectsWith(s.teams.removeMember(t.id, 'alice'), 'DF_ERR_CONFLICT');
      assert.equal(await s.teams.roleOf(t.id, 'alice'), 'admin', 'nothing changed');
      await s.teams.setMember(t.id, 'bob', 'admin', T0 + 2);
      assert.equal((await s.teams.setMember(t.id, 'alice', 'viewer', T0 + 3))?.role, 'viewer');
      assert.equal((await s.teams.members(t.id)).find((m) => m.userId === 'alice')?.addedAt, T0, 'a role change keeps the join time');
      assert.equal(await s.teams.removeMember(t.id, 'alice'), true);
      assert.equal(await s.teams.removeMember(t.id, 'alice'), false);
      assert.deepEqual(
        (await s.teams.members(t.id)).map((m) => [m.userId, m.role]),
        [['bob', 'admin']],
      );
    });

    it('lets only one of two admins demote the other at once', async () => {
      const s = ctx.store();
      const t = await s.teams.create(team('pair'), 'alice');
      await s.teams.setMember(t.id, 'bob', 'admin', T0);
      const { ok, codes } = outcomes(
        await Promise.allSettled([s.teams.setMember(t.id, 'alice', 'viewer', T0 + 1), s.teams.removeMember(t.id, 'bob')]),
      );
      assert.equal(ok.length, 1);
      assert.deepEqual(codes, ['DF_ERR_CONFLICT']);
      assert.equal((await s.teams.members(t.id)).filter((m) => m.role === 'admin').length, 1);
    });
  });

  describe('app ownership', () => {
    it("transfers an app to a team and back, counting the receiving owner's quota", async () => {
      const s = ctx.store();
      await s.apps.create(newApp('web', 'alice', { collaboratorIds: ['bob', 'carol'] }), 5);
      await s.apps.create(newApp('full', 'team-1', { ownerKind: 'team' }), 5);
      await rejectsWith(s.apps.transfer('web', { ownerId: 'team-1', ownerKind: 'team' }, 1), 'DF_ERR_QUOTA_EXCEEDED');
      assert.equal((await s.apps.get('web'))?.ownerId, 'alice', 'nothing changed');
      const moved = await s.apps.transfer('web', { ownerId: 'team-1', ownerKind: 'team' }, 5);
      assert.equal(moved?.ownerId, 'team-1');
      assert.equal(moved?.ownerKind, 'team');
      assert.deepEqual((await s.apps.get('web'))?.ownerKind, 'team');
      assert.equal(await s.apps.countOwnedBy('team-1'), 2);
      assert.equal(await s.apps.countOwnedBy('alice'), 0);
      const toBob = await s.apps.transfer('web', { ownerId: 'bob', ownerKind: 'user' }, 5);
      assert.equal(toBob?.ownerKind, 'user');
      assert.deepEqual(toBob?.collaboratorIds, ['carol'], 'the new owner is no longer a collaborator');
      assert.equal(await s.apps.transfer('nope', { ownerId: 'bob', ownerKind: 'user' }, 5), null);
      // The freed quota is usable again.
      await s.apps.create(newApp('more', 'alice'), 1);
    });
  });

  describe('user deletion', () => {
    it('removes the user with their credentials, collaborations, memberships and notifications', async () => {
      const s = ctx.store();
      const gone = await s.users.create(newUser('gone@example.com'));
      const kept = await s.users.create(newUser('kept@example.com'));
      await s.apiTokens.create({ id: randomUUID(), userId: gone.id, name: 'ci', tokenHash: randomUUID(), createdAt: T0, lastUsedAt: null });
      const refresh = await s.refreshTokens.create(newRefresh(gone.id, 'fam'));
      await s.sshKeys.create({
        id: randomUUID(),
        userId: gone.id,
        name: 'k',
        publicKey: 'ssh-ed25519 AAAA',
        fingerprint: 'SHA256:gone',
        createdAt: T0,
      });
      await s.apps.create(newApp('shared', kept.id, { collaboratorIds: [gone.id] }), 5);
      const t = await s.teams.create(team('t'), kept.id);
      await s.teams.setMember(t.id, gone.id, 'developer', T0);
      await s.notifications.create({
        id: randomUUID(),
        userId: gone.id,
        kind: 'deploy.failed',
        app: null,
        deploymentId: null,
        message: 'm',
        createdAt: T0,
        readAt: null,
      });
      await s.notifications.setSettings('user', gone.id, { email: true });
      await s.audit.append({
        id: randomUUID(),
        at: T0,
        actorId: gone.id,
        actorEmail: gone.email,
        action: 'app.create',
        target: null,
        result: 'ok',
        ip: null,
        details: null,
      });

      assert.equal(await s.users.delete(gone.id), true);
      assert.equal(await s.users.delete(gone.id), false);
      assert.equal(await s.users.get(gone.id), null);
      assert.equal(await s.users.getByEmail('gone@example.com'), null);
      assert.deepEqual(await s.apiTokens.listForUser(gone.id), []);
      assert.equal(await s.refreshTokens.getByHash(refresh.tokenHash), null);
      assert.equal(await s.sshKeys.getByFingerprint('SHA256:gone'), null);
      assert.deepEqual((await s.apps.get('shared'))?.collaboratorIds, []);
      assert.deepEqual(
        (await s.teams.members(t.id)).map((m) => m.userId),
        [kept.id],
      );
      assert.deepEqual(await s.notifications.listForUser(gone.id), []);
      assert.equal(await s.notifications.getSettings('user', gone.id), null);
      assert.deepEqual(
        (await s.audit.query({ actorId: gone.id })).map((e) => e.actorEmail),
        ['gone@example.com'],
        'the audit log keeps their history',
      );
      assert.equal((await s.users.get(kept.id))?.email, 'kept@example.com');
      // The address is free again.
      await s.users.create(newUser('gone@example.com'));
    });
  });
}
