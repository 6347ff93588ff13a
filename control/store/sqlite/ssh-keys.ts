import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { SshKey, SshKeyStore } from '../types.js';
import { sqliteCode, type Db } from './db.js';

interface SshKeyRow {
  id: string;
  user_id: string;
  name: string;
  public_key: string;
  fingerprint: string;
  created_at: number;
}

const toKey = (r: SshKeyRow): SshKey => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  publicKey: r.public_key,
  fingerprint: r.fingerprint,
  createdAt: r.created_at,
});

export function sqliteSshKeys(db: Db): SshKeyStore {
  const insert = db.prepare(
    `INSERT INTO ssh_keys (id, user_id, name, public_key, fingerprint, created_at)
     VALUES (@id, @user_id, @name, @public_key, @fingerprint, @created_at)`,
  );
  const byFingerprint = db.prepare<[string], SshKeyRow>('SELECT * FROM ssh_keys WHERE fingerprint = ?');
  const forUser = db.prepare<[string], SshKeyRow>('SELECT * FROM ssh_keys WHERE user_id = ? ORDER BY created_at, id');
  const remove = db.prepare('DELETE FROM ssh_keys WHERE id = ? AND user_id = ?');

  return {
    async create(k) {
      try {
        insert.run({
          id: k.id,
          user_id: k.userId,
          name: k.name,
          public_key: k.publicKey,
          fingerprint: k.fingerprint,
          created_at: k.createdAt,
        });
      } catch (err) {
        const code = sqliteCode(err);
        // One key, one user: otherwise a push with that key could not tell whose it is.
        if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new DeployFlowError('DF_ERR_CONFLICT', 'That SSH key is already registered');
        }
        throw err;
      }
      return { ...k };
    },
    async getByFingerprint(fingerprint) {
      const r = byFingerprint.get(fingerprint);
      return r ? toKey(r) : null;
    },
    async listForUser(userId) {
      return forUser.all(userId).map(toKey);
    },
    async delete(id, userId) {
      return remove.run(id, userId).changes > 0;
    },
  };
}
