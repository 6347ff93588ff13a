import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Notification } from '../types.js';
import { T0, type Ctx } from './fixtures.js';

function newNotification(userId: string, createdAt: number, over: Partial<Notification> = {}): Notification {
  return {
    id: randomUUID(),
    userId,
    kind: 'deploy.succeeded',
    app: 'web',
    deploymentId: randomUUID(),
    message: 'web: deploy succeeded',
    createdAt,
    readAt: null,
    ...over,
  };
}

export function notificationSuite(ctx: Ctx): void {
  describe('notifications', () => {
    it("lists a user's own notifications newest first, counts and marks unread ones", async () => {
      const s = ctx.store();
      const mine = [
        newNotification('alice', T0 + 1),
        newNotification('alice', T0 + 2, { kind: 'deploy.failed', app: null, deploymentId: null }),
        newNotification('alice', T0 + 3),
      ];
      const theirs = newNotification('bob', T0 + 2);
      for (const n of [mine[1]!, theirs, mine[0]!, mine[2]!]) await s.notifications.create(n);
      assert.deepEqual(
        (await s.notifications.listForUser('alice')).map((n) => n.id),
        [mine[2]!.id, mine[1]!.id, mine[0]!.id],
      );
      assert.deepEqual(
        (await s.notifications.listForUser('alice', { limit: 1 })).map((n) => n.id),
        [mine[2]!.id],
      );
      assert.deepEqual(
        (await s.notifications.listForUser('alice', { before: T0 + 2 })).map((n) => n.id),
        [mine[0]!.id],
      );
      assert.deepEqual(await s.notifications.listForUser('alice', { limit: 0 }), []);
      assert.deepEqual(
        (await s.notifications.listForUser('alice')).find((n) => n.id === mine[1]!.id),
        mine[1],
      );
      assert.equal(await s.notifications.unreadCount('alice'), 3);
      // Someone else's id changes nothing.
      assert.equal(await s.notifications.markRead('alice', [theirs.id], T0 + 10), 0);
      assert.equal(await s.notifications.unreadCount('bob'), 1);
      assert.equal(await s.notifications.markRead('alice', [mine[0]!.id], T0 + 10), 1);
      assert.equal(await s.notifications.markRead('alice', [mine[0]!.id], T0 + 11), 0);
      assert.equal(await s.notifications.unreadCount('alice'), 2);
      assert.deepEqual(
        (await s.notifications.listForUser('alice', { unreadOnly: true })).map((n) => n.id),
        [mine[2]!.id, mine[1]!.id],
      );
      assert.equal((await s.notifications.listForUser('alice')).find((n) => n.id === mine[0]!.id)?.readAt, T0 + 10);
      assert.equal(await s.notifications.markRead('alice', null, T0 + 12), 2);
      assert.equal(await s.notifications.unreadCount('alice'), 0);
      assert.equal(await s.notifications.unreadCount('bob'), 1);
    });

    it('keeps settings per scope and id, and deletes them', async () => {
      const s = ctx.store();
      assert.equal(await s.notifications.getSettings('user', 'alice'), null);
      const value = { email: true, webhookUrl: 'http://127.0.0.1:9/hook', events: ['deploy.failed'], mutedApps: [] };
      await s.notifications.setSettings('user', 'alice', value);
      await s.notifications.setSettings('app', 'alice', { webhookUrl: null });
      assert.deepEqual(await s.notifications.getSettings('user', 'alice'), value);
      assert.deepEqual(await s.notifications.getSettings('app', 'alice'), { webhookUrl: null });
      await s.notifications.setSettings('user', 'alice', { ...value, email: false });
      assert.equal((await s.notifications.getSettings<typeof value>('user', 'alice'))?.email, false);
      await s.notifications.deleteSettings('app', 'alice');
      assert.equal(await s.notifications.getSettings('app', 'alice'), null);
      assert.notEqual(await s.notifications.getSettings('user', 'alice'), null);
    });
  });
}
