// Notifications in MongoDB: one document per notification, one per settings scope. The
// collections and their indexes are declared here, next to the only code that uses them.
import { ObjectId, type Db, type Filter } from 'mongodb';
import { checkLimit } from '../shared.js';
import type { Notification, NotificationKind, NotificationStore } from '../types.js';
import { isDuplicateKey } from './errors.js';

interface NotificationDoc {
  _id: string;
  ord: ObjectId;
  userId: string;
  kind: NotificationKind;
  app: string | null;
  deploymentId: string | null;
  message: string;
  createdAt: number;
  readAt: number | null;
}

/** `_id` is `<scope>:<id>`; the value is JSON text, as in the SQLite backend. */
interface SettingDoc {
  _id: string;
  json: string;
}

const toNotification = (d: NotificationDoc): Notification => ({
  id: d._id,
  userId: d.userId,
  kind: d.kind,
  app: d.app,
  deploymentId: d.deploymentId,
  message: d.message,
  createdAt: d.createdAt,
  readAt: d.readAt,
});

export async function mongoNotifications(db: Db): Promise<NotificationStore> {
  const items = db.collection<NotificationDoc>('notifications');
  const settings = db.collection<SettingDoc>('notification_settings');
  await items.createIndexes([{ key: { userId: 1, createdAt: -1, ord: -1 }, name: 'user_createdAt' }]);
  return {
    async create(n) {
      await items.insertOne({
        _id: n.id,
        ord: new ObjectId(),
        userId: n.userId,
        kind: n.kind,
        app: n.app,
        deploymentId: n.deploymentId,
        message: n.message,
        createdAt: n.createdAt,
        readAt: n.readAt,
      });
      return { ...n };
    },
    async listForUser(userId, q = {}) {
      const limit = checkLimit(q.limit) ?? 50;
      if (limit === 0) return [];
      const filter: Filter<NotificationDoc> = { userId: { $eq: userId } };
      if (q.unreadOnly) filter.readAt = null;
      if (q.before !== undefined) filter.createdAt = { $lt: q.before };
      return (await items.find(filter).sort({ createdAt: -1, ord: -1 }).limit(limit).toArray()).map(toNotification);
    },
    async unreadCount(userId) {
      return items.countDocuments({ userId: { $eq: userId }, readAt: null });
    },
    async markRead(userId, ids, at) {
      const filter: Filter<NotificationDoc> = { userId: { $eq: userId }, readAt: null };
      if (ids !== null) filter._id = { $in: ids };
      return (await items.updateMany(filter, { $set: { readAt: at } })).modifiedCount;
    },
    async getSettings<T>(scope: 'user' | 'app', id: string): Promise<T | null> {
      const d = await settings.findOne({ _id: `${scope}:${id}` });
      return d ? (JSON.parse(d.json) as T) : null;
    },
    async setSettings<T>(scope: 'user' | 'app', id: string, value: T): Promise<void> {
      const json = JSON.stringify(value ?? null);
      const _id = `${scope}:${id}`;
      try {
        await settings.updateOne({ _id }, { $set: { json } }, { upsert: true });
      } catch (err) {
        // Two first writes raced to insert; the document exists now, so update it.
        if (!isDuplicateKey(err)) throw err;
        await settings.updateOne({ _id }, { $set: { json } });
      }
    },
    async deleteSettings(scope, id) {
      await settings.deleteOne({ _id: `${scope}:${id}` });
    },
  };
}
