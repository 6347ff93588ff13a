import { checkLimit } from '../shared.js';
import type { Notification, NotificationKind, NotificationStore } from '../types.js';
import type { Db } from './db.js';

interface Row {
  id: string;
  user_id: string;
  kind: NotificationKind;
  app: string | null;
  deployment_id: string | null;
  message: string;
  created_at: number;
  read_at: number | null;
}

const toNotification = (r: Row): Notification => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  app: r.app,
  deploymentId: r.deployment_id,
  message: r.message,
  createdAt: r.created_at,
  readAt: r.read_at,
});

export function sqliteNotifications(db: Db): NotificationStore {
  const insert = db.prepare(
    `INSERT INTO notifications (id, user_id, kind, app, deployment_id, message, created_at, read_at)
     VALUES (@id, @user_id, @kind, @app, @deployment_id, @message, @created_at, @read_at)`,
  );
  const unread = db.prepare<[string], number>('SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL').pluck();
  const readAll = db.prepare('UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL');
  const readOne = db.prepare('UPDATE notifications SET read_at = ? WHERE user_id = ? AND id = ? AND read_at IS NULL');
  const getSetting = db.prepare<[string, string], { value: string }>('SELECT value FROM notification_settings WHERE scope = ? AND id = ?');
  const setSetting = db.prepare(`INSERT INTO notification_settings (scope, id, value) VALUES (?, ?, ?)
                                 ON CONFLICT (scope, id) DO UPDATE SET value = excluded.value`);
  const deleteSetting = db.prepare('DELETE FROM notification_settings WHERE scope = ? AND id = ?');
  const readMany = db.transaction((userId: string, ids: string[], at: number) =>
    ids.reduce((n, id) => n + readOne.run(at, userId, id).changes, 0),
  );

  return {
    async create(n) {
      insert.run({
        id: n.id,
        user_id: n.userId,
        kind: n.kind,
        app: n.app,
        deployment_id: n.deploymentId,
        message: n.message,
        created_at: n.createdAt,
        read_at: n.readAt,
      });
      return { ...n };
    },
    async listForUser(userId, q = {}) {
      const limit = checkLimit(q.limit) ?? 50;
      // Only fixed fragments go into the SQL; every value is a bound parameter.
      const sql = `SELECT * FROM notifications WHERE user_id = @userId
                   ${q.unreadOnly ? 'AND read_at IS NULL' : ''} ${q.before !== undefined ? 'AND created_at < @before' : ''}
                   ORDER BY created_at DESC, seq DESC LIMIT @limit`;
      return db
        .prepare<[Record<string, unknown>], Row>(sql)
        .all({ userId, limit, before: q.before ?? null })
        .map(toNotification);
    },
    async unreadCount(userId) {
      return unread.get(userId) ?? 0;
    },
    async markRead(userId, ids, at) {
      if (ids === null) return readAll.run(at, userId).changes;
      return readMany(userId, ids, at);
    },
    async getSettings<T>(scope: 'user' | 'app', id: string): Promise<T | null> {
      const r = getSetting.get(scope, id);
      return r ? (JSON.parse(r.value) as T) : null;
    },
    async setSettings<T>(scope: 'user' | 'app', id: string, value: T): Promise<void> {
      setSetting.run(scope, id, JSON.stringify(value ?? null));
    },
    async deleteSettings(scope, id) {
      deleteSetting.run(scope, id);
    },
  };
}
