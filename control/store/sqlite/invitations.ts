// Invitations in SQLite. Acceptance and revocation are single UPDATEs whose WHERE clause says
// "still pending", so of two racing callers exactly one changes the row.
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Invitation, InvitationStore, Role } from '../types.js';
import { sqliteCode, type Db } from './db.js';

interface InvitationRow {
  id: string;
  token_hash: string;
  email: string;
  role: Role | null;
  app: string | null;
  invited_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
}

const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  tokenHash: r.token_hash,
  email: r.email,
  role: r.role,
  app: r.app,
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
});

const PENDING = 'accepted_at IS NULL AND revoked_at IS NULL AND expires_at > @at';

export function sqliteInvitations(db: Db): InvitationStore {
  const insert = db.prepare(
    `INSERT INTO invitations (id, token_hash, email, role, app, invited_by, created_at, expires_at, accepted_at, revoked_at)
     VALUES (@id, @token_hash, @email, @role, @app, @invited_by, @created_at, @expires_at, @accepted_at, @revoked_at)`,
  );
  const byId = db.prepare<[string], InvitationRow>('SELECT * FROM invitations WHERE id = ?');
  const byHash = db.prepare<[string], InvitationRow>('SELECT * FROM invitations WHERE token_hash = ?');
  const pendingAll = db.prepare<{ at: number }, InvitationRow>(`SELECT * FROM invitations WHERE ${PENDING} ORDER BY created_at, id`);
  const pendingApp = db.prepare<{ at: number; app: string }, InvitationRow>(
    `SELECT * FROM invitations WHERE app = @app AND ${PENDING} ORDER BY created_at, id`,
  );
  const accept = db.prepare(`UPDATE invitations SET accepted_at = @at WHERE id = @id AND ${PENDING}`);
  const release = db.prepare('UPDATE invitations SET accepted_at = NULL WHERE id = ? AND accepted_at = ?');
  const revoke = db.prepare(`UPDATE invitations SET revoked_at = @at WHERE id = @id AND ${PENDING}`);
  const revokeApp = db.prepare(`UPDATE invitations SET revoked_at = @at WHERE app = @app AND ${PENDING}`);

  return {
    async create(i) {
      try {
        insert.run({
          id: i.id,
          token_hash: i.tokenHash,
          email: i.email,
          role: i.role,
          app: i.app,
          invited_by: i.invitedBy,
          created_at: i.createdAt,
          expires_at: i.expiresAt,
          accepted_at: i.acceptedAt,
          revoked_at: i.revokedAt,
        });
      } catch (err) {
        const code = sqliteCode(err);
        if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new DeployFlowError('DF_ERR_CONFLICT', 'That invitation already exists');
        }
        throw err;
      }
      return { ...i };
    },
    async get(id) {
      const r = byId.get(id);
      return r ? toInvitation(r) : null;
    },
    async getByTokenHash(tokenHash) {
      const r = byHash.get(tokenHash);
      return r ? toInvitation(r) : null;
    },
    async listPending(at, app) {
      return (app === undefined ? pendingAll.all({ at }) : pendingApp.all({ at, app })).map(toInvitation);
    },
    async accept(id, at) {
      return accept.run({ id, at }).changes > 0;
    },
    async release(id, at) {
      release.run(id, at);
    },
    async revoke(id, at) {
      return revoke.run({ id, at }).changes > 0;
    },
    async revokeForApp(app, at) {
      return revokeApp.run({ app, at }).changes;
    },
  };
}
