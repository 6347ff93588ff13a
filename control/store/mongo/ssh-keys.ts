import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { SshKey, SshKeyStore } from '../types.js';
import type { Collections, SshKeyDoc } from './collections.js';
import { isDuplicateKey } from './errors.js';

const toKey = (d: SshKeyDoc): SshKey => ({
  id: d._id,
  userId: d.userId,
  name: d.name,
  publicKey: d.publicKey,
  fingerprint: d.fingerprint,
  createdAt: d.createdAt,
});

export function mongoSshKeys(c: Collections): SshKeyStore {
  return {
    async create(k) {
      try {
        await c.sshKeys.insertOne({
          _id: k.id,
          userId: k.userId,
          name: k.name,
          publicKey: k.publicKey,
          fingerprint: k.fingerprint,
          createdAt: k.createdAt,
        });
      } catch (err) {
        // One key, one user: otherwise a push with that key could not tell whose it is.
        if (isDuplicateKey(err)) throw new DeployFlowError('DF_ERR_CONFLICT', 'That SSH key is already registered');
        throw err;
      }
      return { ...k };
    },
    async getByFingerprint(fingerprint) {
      const d = await c.sshKeys.findOne({ fingerprint });
      return d ? toKey(d) : null;
    },
    async listForUser(userId) {
      return (await c.sshKeys.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(toKey);
    },
    async delete(id, userId) {
      return (await c.sshKeys.deleteOne({ _id: id, userId })).deletedCount > 0;
    },
  };
}
