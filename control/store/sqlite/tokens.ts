import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { ApiToken, ApiTokenStore } from '../types.js';
import { sqliteCode, type Db } from './db.js';

interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
}

const toToken = (r: ApiTokenRow): ApiToken => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export function sqliteApiTokens(db: Db): ApiTokenStore {
  const insert = db.prepare(
    `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, last_used_at)
     VALUES (@id, @user_id, @name, @token_hash, @created_at, @last_used_at)`,
  );
  const byHash = db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE token_hash = ?');
  const forUser = db.prepare<[string], ApiTokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id');
  // A revoked token is deleted: nothing about it is worth keeping once it can no longer be used.
  const remove = db.prepare('DELETE FROM api_tokens WHERE id = ? AND user_id = ?');
  const touch = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');

  return {
    async create(t) {
      try {
        insert.run({
          id: t.id,
          user_id: t.userId,
          name: t.name,
          token_hash: t.tokenHash,
          created_at: t.createdAt,
          last_used_at: t.lastUsedAt,
        });
      } catch (err) {
        const code = sqliteCode(err);
        if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new DeployFlowError('DF_ERR_CONFLICT', 'That token already exists');
        }
        throw err;
      }
      return { ...t };
    },
    async getByHash(tokenHash) {
      const r = byHash.get(tokenHash);
      return r ? toToken(r) : null;
    },
    async listForUser(userId) {
      return forUser.all(userId).map(toToken);
    },
    async revoke(id, userId) {
      return remove.run(id, userId).changes > 0;
    },
    async touch(id, at) {
      touch.run(at, id);
    },
  };
}
