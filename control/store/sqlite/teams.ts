import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Team, TeamMember, TeamRole, TeamStore } from '../types.js';
import type { Db } from './db.js';

interface TeamRow {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
}
interface MemberRow {
  team_id: string;
  user_id: string;
  role: TeamRole;
  added_at: number;
}

const toTeam = (r: TeamRow): Team => ({ id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at });
const toMember = (r: MemberRow): TeamMember => ({ teamId: r.team_id, userId: r.user_id, role: r.role, addedAt: r.added_at });

const LAST_ADMIN = 'A team keeps at least one admin: make another member admin first';

export function sqliteTeams(db: Db): TeamStore {
  const byId = db.prepare<[string], TeamRow>('SELECT * FROM teams WHERE id = ?');
  const member = db.prepare<[string, string], MemberRow>('SELECT * FROM team_members WHERE team_id = ? AND user_id = ?');
  const otherAdmins = db.prepare<[string, string], { n: number }>(
    "SELECT COUNT(*) AS n FROM team_members WHERE team_id = ? AND user_id <> ? AND role = 'admin'",
  );
  const insertMember = db.prepare('INSERT INTO team_members (team_id, user_id, role, added_at) VALUES (?, ?, ?, ?)');

  const createTx = db.transaction((team: Team, adminId: string): Team => {
    db.prepare('INSERT INTO teams (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
      team.id,
      team.name,
      team.createdAt,
      team.updatedAt,
    );
    insertMember.run(team.id, adminId, 'admin', team.createdAt);
    return team;
  });

  // The last-admin rule is checked and applied under one write lock, so two admins demoting
  // each other at once cannot leave the team without one.
  const setTx = db.transaction((teamId: string, userId: string, role: TeamRole, at: number): TeamMember | null => {
    if (!byId.get(teamId)) return null;
    const current = member.get(teamId, userId);
    if (!current) {
      insertMember.run(teamId, userId, role, at);
    } else if (current.role !== role) {
      if (current.role === 'admin' && (otherAdmins.get(teamId, userId)?.n ?? 0) === 0)
        throw new DeployFlowError('DF_ERR_CONFLICT', LAST_ADMIN);
      db.prepare('UPDATE team_members SET role = ? WHERE team_id = ? AND user_id = ?').run(role, teamId, userId);
    }
    const stored = member.get(teamId, userId);
    return stored ? toMember(stored) : null;
  });

  const removeTx = db.transaction((teamId: string, userId: string): boolean => {
    const current = member.get(teamId, userId);
    if (!current) return false;
    if (current.role === 'admin' && (otherAdmins.get(teamId, userId)?.n ?? 0) === 0)
      throw new DeployFlowError('DF_ERR_CONFLICT', LAST_ADMIN);
    return db.prepare('DELETE FROM team_members WHERE team_id = ? AND user_id = ?').run(teamId, userId).changes > 0;
  });

  return {
    async create(team, adminId) {
      return createTx.immediate(team, adminId);
    },
    async get(id) {
      const r = byId.get(id);
      return r ? toTeam(r) : null;
    },
    async list() {
      return db.prepare<[], TeamRow>('SELECT * FROM teams ORDER BY name, id').all().map(toTeam);
    },
    async listForUser(userId) {
      return db
        .prepare<[string], TeamRow & { role: TeamRole }>(
          'SELECT t.*, m.role FROM teams t JOIN team_members m ON m.team_id = t.id WHERE m.user_id = ? ORDER BY t.name, t.id',
        )
        .all(userId)
        .map((r) => ({ team: toTeam(r), role: r.role }));
    },
    async rename(id, name, at) {
      db.prepare('UPDATE teams SET name = ?, updated_at = ? WHERE id = ?').run(name, at, id);
      const r = byId.get(id);
      return r ? toTeam(r) : null;
    },
    async delete(id) {
      // Memberships go by ON DELETE CASCADE.
      return db.prepare('DELETE FROM teams WHERE id = ?').run(id).changes > 0;
    },
    async members(teamId) {
      return db
        .prepare<[string], MemberRow>('SELECT * FROM team_members WHERE team_id = ? ORDER BY added_at, rowid')
        .all(teamId)
        .map(toMember);
    },
    async roleOf(teamId, userId) {
      return member.get(teamId, userId)?.role ?? null;
    },
    async setMember(teamId, userId, role, at) {
      return setTx.immediate(teamId, userId, role, at);
    },
    async removeMember(teamId, userId) {
      return removeTx.immediate(teamId, userId);
    },
  };
}
