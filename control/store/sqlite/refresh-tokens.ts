import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { RefreshToken, RefreshTokenStore } from '../types.js';
import { sqliteCode, type Db } from './db.js';

interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

const toToken = (r: RefreshTokenRow): RefreshToken => ({
  id: r.id,
  userId: r.user_id,
  familyId: r.family_id,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  rotatedAt: r.rotated_at,
  revokedAt: r.revoked_at,
});

const toRow = (t: RefreshToken): RefreshTokenRow => ({
  id: t.id,
  user_id: t.userId,
  family_id: t.familyId,
  token_hash: t.tokenHash,
  created_at: t.createdAt,
  expires_at: t.expiresAt,
  rotated_at: t.rotatedAt,
  revoked_at: t.revokedAt,
});

export function sqliteRefreshTokens(db: Db): RefreshTokenStore {
  const insertStmt = db.prepare(
    `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at, rotated_at, revoked_at)
     VALUES (@id, @user_id, @family_id, @token_hash, @created_at, @expires_at, @rotated_at, @revoked_at)`,
  );
  const byHash = db.prepare<[string], RefreshTokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = ?');
  // The WHERE clause is the whole race: only one caller can move rotated_at off NULL.
  const markRotated = db.prepare('UPDATE refresh_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL AND revoked_at IS NULL');
  // The first revocation time is the one worth keeping, so already revoked rows are left alone.
  const revokeFamily = db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL');
  const revokeUser = db.prepare('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL');

  const insert = (t: RefreshToken): void => {
    try {
      insertStmt.run(toRow(t));
    } catch (err) {
      const code = sqliteCode(err);
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new DeployFlowError('DF_ERR_CONFLICT', 'That refresh token already exists');
      }
      throw err;
    }
  };

  const rotateTx = db.transaction((id: string, successor: RefreshToken, at: number): boolean => {
    if (markRotated.run(at, id).changes === 0) return false;
    insert(successor);
    return true;
  });

  return {
    async create(t) {
      insert(t);
      return { ...t };
    },
    async getByHash(tokenHash) {
      const r = byHash.get(tokenHash);
      return r ? toToken(r) : null;
    },
    async rotate(id, successor, at) {
      return rotateTx.immediate(id, successor, at);
    },
    async revokeFamily(familyId, at) {
      revokeFamily.run(at, familyId);
    },
    async revokeAllForUser(userId, at) {
      revokeUser.run(at, userId);
    },
  };
}
