import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { RefreshToken, RefreshTokenStore } from '../types.js';
import type { Collections, RefreshTokenDoc } from './collections.js';
import { isDuplicateKey } from './errors.js';

const toToken = (d: RefreshTokenDoc): RefreshToken => ({
  id: d._id,
  userId: d.userId,
  familyId: d.familyId,
  tokenHash: d.tokenHash,
  createdAt: d.createdAt,
  expiresAt: d.expiresAt,
  rotatedAt: d.rotatedAt,
  revokedAt: d.revokedAt,
});

export function mongoRefreshTokens(c: Collections): RefreshTokenStore {
  const insert = async (t: RefreshToken): Promise<void> => {
    try {
      await c.refreshTokens.insertOne({
        _id: t.id,
        userId: t.userId,
        familyId: t.familyId,
        tokenHash: t.tokenHash,
        createdAt: t.createdAt,
        expiresAt: t.expiresAt,
        rotatedAt: t.rotatedAt,
        revokedAt: t.revokedAt,
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DeployFlowError('DF_ERR_CONFLICT', 'That refresh token already exists');
      throw err;
    }
  };

  return {
    async create(t) {
      await insert(t);
      return { ...t };
    },
    async getByHash(tokenHash) {
      const d = await c.refreshTokens.findOne({ tokenHash });
      return d ? toToken(d) : null;
    },
    async rotate(id, successor, at) {
      // The filter is the whole race: one single-document update can move rotatedAt off null,
      // so of two concurrent rotations exactly one matches.
      const marked = await c.refreshTokens.updateOne({ _id: id, rotatedAt: null, revokedAt: null }, { $set: { rotatedAt: at } });
      if (marked.matchedCount === 0) return false;
      try {
        await insert(successor);
      } catch (err) {
        // Without a replica set there is no transaction to roll back: undo the mark by hand so
        // a rotation whose successor was not stored counts as not having happened.
        await c.refreshTokens.updateOne({ _id: id, rotatedAt: at }, { $set: { rotatedAt: null } });
        throw err;
      }
      return true;
    },
    async revokeFamily(familyId, at) {
      // Already revoked tokens keep their first revocation time.
      await c.refreshTokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: at } });
    },
    async revokeAllForUser(userId, at) {
      await c.refreshTokens.updateMany({ userId, revokedAt: null }, { $set: { revokedAt: at } });
    },
  };
}
