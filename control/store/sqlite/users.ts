import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { newId, normalizeEmail } from '../shared.js';
import type { NewUser, Role, User, UserStore } from '../types.js';
import type { Db } from './db.js';

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  google_id: string | null;
  created_at: number;
  disabled_at: number | null;
  session_version: number;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  googleId: r.google_id,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
  sessionVersion: r.session_version,
});

const COLUMNS = {
  name: 'name',
  role: 'role',
  passwordHash: 'password_hash',
  googleId: 'google_id',
  disabledAt: 'disabled_at',
  sessionVersion: 'session_version',
} as const;

export function sqliteUsers(db: Db): UserStore {
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?');
  const byGoogleId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE google_id = ?');
  const countAll = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users');
  const insert = db.prepare(
    `INSERT INTO users (id, email, name, role, password_hash, google_id, created_at)
     VALUES (@id, @email, @name, @role, @password_hash, @google_id, @created_at)`,
  );

  // Counting and inserting in one write transaction is what makes "the first user is admin"
  // hold when several registrations arrive at once, from this process or another.
  const createTx = db.transaction((input: NewUser): User => {
    const email = normalizeEmail(input.email);
    if (byEmail.get(email)) throw new DeployFlowError('DF_ERR_EMAIL_TAKEN');
    if (input.googleId !== null && byGoogleId.get(input.googleId)) {
      throw new DeployFlowError('DF_ERR_CONFLICT', 'That Google account is already linked to a user');
    }
    const first = (countAll.get()?.n ?? 0) === 0;
    const row: UserRow = {
      id: newId(),
      email,
      name: input.name,
      role: first ? 'admin' : input.role,
      password_hash: input.passwordHash,
      google_id: input.googleId,
      created_at: Date.now(),
      disabled_at: null,
      session_version: 0,
    };
    insert.run(row);
    return toUser(row);
  });

  const updateTx = db.transaction((id: string, patch: Partial<Pick<User, keyof typeof COLUMNS>>): User | null => {
    const current = byId.get(id);
    if (!current) return null;
    const sets: string[] = [];
    const values: Record<string, unknown> = { id };
    for (const [field, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
      if (patch[field] === undefined) continue;
      sets.push(`${column} = @${column}`);
      values[column] = patch[field];
    }
    if (patch.googleId != null) {
      const holder = byGoogleId.get(patch.googleId);
      if (holder && holder.id !== id) throw new DeployFlowError('DF_ERR_CONFLICT', 'That Google account is already linked to a user');
    }
    if (sets.length > 0) db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = @id`).run(values);
    const updated = byId.get(id);
    return updated ? toUser(updated) : null;
  });

  // Apps are not touched: their owner is moved or they are deleted before (control/teams/offboard.ts).
  const deleteTx = db.transaction((id: string): boolean => {
    for (const table of ['api_tokens', 'refresh_tokens', 'ssh_keys', 'app_collaborators', 'team_members', 'notifications']) {
      db.prepare(`DELETE FROM ${table} WHERE user_id = ?`).run(id);
    }
    db.prepare("DELETE FROM notification_settings WHERE scope = 'user' AND id = ?").run(id);
    return db.prepare('DELETE FROM users WHERE id = ?').run(id).changes > 0;
  });

  return {
    async create(input) {
      return createTx.immediate(input);
    },
    async get(id) {
      const r = byId.get(id);
      return r ? toUser(r) : null;
    },
    async getByEmail(email) {
      const r = byEmail.get(normalizeEmail(email));
      return r ? toUser(r) : null;
    },
    async getByGoogleId(googleId) {
      const r = byGoogleId.get(googleId);
      return r ? toUser(r) : null;
    },
    async list() {
      return db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, id').all().map(toUser);
    },
    async count() {
      return countAll.get()?.n ?? 0;
    },
    async update(id, patch) {
      return updateTx.immediate(id, patch);
    },
    async delete(id) {
      return deleteTx.immediate(id);
    },
  };
}
