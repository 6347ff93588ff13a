// Invitations in MongoDB: one document each, in a collection declared here next to the only code
// that uses it. Acceptance and revocation are single-document updates filtered on "still
// pending", so of two racing callers exactly one matches.
import type { Db } from 'mongodb';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Invitation, InvitationStore, Role } from '../types.js';
import { isDuplicateKey } from './errors.js';

interface InvitationDoc {
  _id: string;
  tokenHash: string;
  email: string;
  role: Role | null;
  app: string | null;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  revokedAt: number | null;
}

const toInvitation = (d: InvitationDoc): Invitation => ({
  id: d._id,
  tokenHash: d.tokenHash,
  email: d.email,
  role: d.role,
  app: d.app,
  invitedBy: d.invitedBy,
  createdAt: d.createdAt,
  expiresAt: d.expiresAt,
  acceptedAt: d.acceptedAt,
  revokedAt: d.revokedAt,
});

const pending = (at: number) => ({ acceptedAt: null, revokedAt: null, expiresAt: { $gt: at } });

export async function mongoInvitations(db: Db): Promise<InvitationStore> {
  const items = db.collection<InvitationDoc>('invitations');
  await items.createIndexes([
    { key: { tokenHash: 1 }, name: 'tokenHash_unique', unique: true },
    { key: { app: 1, createdAt: 1 }, name: 'app_createdAt' },
  ]);
  return {
    async create(i) {
      try {
        await items.insertOne({
          _id: i.id,
          tokenHash: i.tokenHash,
          email: i.email,
          role: i.role,
          app: i.app,
          invitedBy: i.invitedBy,
          createdAt: i.createdAt,
          expiresAt: i.expiresAt,
          acceptedAt: i.acceptedAt,
          revokedAt: i.revokedAt,
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw new DeployFlowError('DF_ERR_CONFLICT', 'That invitation already exists');
        throw err;
      }
      return { ...i };
    },
    async get(id) {
      const d = await items.findOne({ _id: id });
      return d ? toInvitation(d) : null;
    },
    async getByTokenHash(tokenHash) {
      const d = await items.findOne({ tokenHash });
      return d ? toInvitation(d) : null;
    },
    async listPending(at, app) {
      const filter = app === undefined ? pending(at) : { ...pending(at), app };
      return (await items.find(filter).sort({ createdAt: 1, _id: 1 }).toArray()).map(toInvitation);
    },
    async accept(id, at) {
      return (await items.updateOne({ _id: id, ...pending(at) }, { $set: { acceptedAt: at } })).matchedCount > 0;
    },
    async release(id, at) {
      await items.updateOne({ _id: id, acceptedAt: at }, { $set: { acceptedAt: null } });
    },
    async revoke(id, at) {
      return (await items.updateOne({ _id: id, ...pending(at) }, { $set: { revokedAt: at } })).matchedCount > 0;
    },
    async revokeForApp(app, at) {
      return (await items.updateMany({ app, ...pending(at) }, { $set: { revokedAt: at } })).modifiedCount;
    },
  };
}
