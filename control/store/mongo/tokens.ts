import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { ApiToken, ApiTokenStore } from '../types.js';
import type { ApiTokenDoc, Collections } from './collections.js';
import { isDuplicateKey } from './errors.js';

const toToken = (d: ApiTokenDoc): ApiToken => ({
  id: d._id,
  userId: d.userId,
  name: d.name,
  tokenHash: d.tokenHash,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt,
});

export function mongoApiTokens(c: Collections): ApiTokenStore {
  return {
    async create(t) {
      try {
        await c.apiTokens.insertOne({
          _id: t.id,
          userId: t.userId,
          name: t.name,
          tokenHash: t.tokenHash,
          createdAt: t.createdAt,
          lastUsedAt: t.lastUsedAt,
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw new DeployFlowError('DF_ERR_CONFLICT', 'That token already exists');
        throw err;
      }
      return { ...t };
    },
    async getByHash(tokenHash) {
      const d = await c.apiTokens.findOne({ tokenHash });
      return d ? toToken(d) : null;
    },
    async listForUser(userId) {
      return (await c.apiTokens.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(toToken);
    },
    async revoke(id, userId) {
      // The user is part of the filter: nobody can revoke someone else's token by its id.
      return (await c.apiTokens.deleteOne({ _id: id, userId })).deletedCount > 0;
    },
    async touch(id, at) {
      await c.apiTokens.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
    },
  };
}
