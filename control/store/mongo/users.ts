import type { Db, Filter } from 'mongodb';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { newId, normalizeEmail } from '../shared.js';
import type { User, UserStore } from '../types.js';
import type { Collections, UserDoc } from './collections.js';
import { isDuplicateKey, isDuplicateKeyOn } from './errors.js';
import { TEAMS_COLLECTION, type TeamDoc } from './teams.js';

export const FIRST_ADMIN = 'first-admin';

const toUser = (d: UserDoc): User => ({
  id: d._id,
  email: d.email,
  name: d.name,
  role: d.role,
  passwordHash: d.passwordHash,
  googleId: d.googleId,
  createdAt: d.createdAt,
  disabledAt: d.disabledAt ?? null,
  sessionVersion: d.sessionVersion ?? 0,
});

function uniquenessError(err: unknown): unknown {
  if (isDuplicateKeyOn(err, 'email')) return new DeployFlowError('DF_ERR_EMAIL_TAKEN');
  if (isDuplicateKeyOn(err, 'googleId')) return new DeployFlowError('DF_ERR_CONFLICT', 'That Google account is already linked to a user');
  if (isDuplicateKey(err)) return new DeployFlowError('DF_ERR_CONFLICT');
  return err;
}

// Matching on $type as well lets the planner use the partial unique index.
const byGoogleId = (googleId: string): Filter<UserDoc> => ({ googleId: { $type: 'string', $eq: googleId } });

export function mongoUsers(c: Collections, db: Db): UserStore {
  /**
   * Whoever inserts the fixed-id marker is the first user. The user is inserted before the
   * marker is claimed, so the marker can only go to a user that exists: a registration that
   * loses the email race never becomes "first" and leaves the real first user a developer.
   */
  async function claimFirstAdmin(userId: string): Promise<boolean> {
    if (await c.meta.findOne({ _id: FIRST_ADMIN })) return false;
    try {
      await c.meta.insertOne({ _id: FIRST_ADMIN, userId, at: Date.now() });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  const get = async (id: string): Promise<User | null> => {
    const d = await c.users.findOne({ _id: id });
    return d ? toUser(d) : null;
  };

  return {
    async create(input) {
      const doc: UserDoc = {
        _id: newId(),
        email: normalizeEmail(input.email),
        name: input.name,
        role: input.role,
        passwordHash: input.passwordHash,
        googleId: input.googleId,
        createdAt: Date.now(),
        disabledAt: null,
        sessionVersion: 0,
      };
      try {
        await c.users.insertOne(doc);
      } catch (err) {
        throw uniquenessError(err);
      }
      if (await claimFirstAdmin(doc._id)) {
        await c.users.updateOne({ _id: doc._id }, { $set: { role: 'admin' } });
        doc.role = 'admin';
      }
      return toUser(doc);
    },
    get,
    async getByEmail(email) {
      const d = await c.users.findOne({ email: normalizeEmail(email) });
      return d ? toUser(d) : null;
    },
    async getByGoogleId(googleId) {
      const d = await c.users.findOne(byGoogleId(googleId));
      return d ? toUser(d) : null;
    },
    async list() {
      return (await c.users.find().sort({ createdAt: 1, _id: 1 }).toArray()).map(toUser);
    },
    async count() {
      return c.users.countDocuments();
    },
    async update(id, patch) {
      const set: Partial<UserDoc> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.role !== undefined) set.role = patch.role;
      if (patch.passwordHash !== undefined) set.passwordHash = patch.passwordHash;
      if (patch.googleId !== undefined) set.googleId = patch.googleId;
      if (patch.disabledAt !== undefined) set.disabledAt = patch.disabledAt;
      if (patch.sessionVersion !== undefined) set.sessionVersion = patch.sessionVersion;
      if (Object.keys(set).length === 0) return get(id);
      try {
        const d = await c.users.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' });
        return d ? toUser(d) : null;
      } catch (err) {
        throw uniquenessError(err);
      }
    },
    async delete(id) {
      // The user goes first: from then on no credential of theirs resolves to anyone, and what
      // follows only tidies up records nothing can reach.
      if ((await c.users.deleteOne({ _id: id })).deletedCount === 0) return false;
      await Promise.all([
        c.apiTokens.deleteMany({ userId: id }),
        c.refreshTokens.deleteMany({ userId: id }),
        c.sshKeys.deleteMany({ userId: id }),
        c.apps.updateMany({ collaboratorIds: id }, { $pull: { collaboratorIds: id } }),
        db.collection<TeamDoc>(TEAMS_COLLECTION).updateMany({ 'members.userId': id }, { $pull: { members: { userId: id } } }),
        db.collection('notifications').deleteMany({ userId: id }),
        db.collection<{ _id: string }>('notification_settings').deleteOne({ _id: `user:${id}` }),
      ]);
      return true;
    },
  };
}

/**
 * A database that already has users but no marker (written before the marker existed, or
 * restored without it) must not crown the next registrant: give the marker to the oldest user.
 */
export async function backfillFirstAdmin(c: Collections): Promise<void> {
  const oldest = await c.users.find().sort({ createdAt: 1, _id: 1 }).limit(1).next();
  if (!oldest) return;
  try {
    await c.meta.updateOne({ _id: FIRST_ADMIN }, { $setOnInsert: { userId: oldest._id, at: Date.now() } }, { upsert: true });
  } catch (err) {
    // Two processes opening at once: the other one's upsert won, which is just as good.
    if (!isDuplicateKey(err)) throw err;
  }
}
