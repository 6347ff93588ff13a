// Opens <dataDir>/deployflow.db and brings its schema up to date. Several processes may share
// the file (one per service in the production layout), hence WAL, a busy timeout, and migrations
// that re-check what is applied inside the write lock.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export const DB_FILE = 'deployflow.db';

export function openDb(dataDir: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const file = path.join(dataDir, DB_FILE);
  const db = new Database(file);
  try {
    // The file holds password and token hashes: only our user may read it. WAL and SHM files
    // inherit the database file's mode, so this must happen before WAL is switched on.
    fs.chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // NORMAL is durable across application crashes in WAL mode; only power loss can drop the
    // last transactions, which is the usual trade for an embedded store.
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = (): Set<number> =>
    new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied()].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new Error(
      `the database has schema versions this DeployFlow does not know (${unknown.join(', ')}); it was written by a newer release`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    // IMMEDIATE takes the write lock first, so two processes starting together cannot both
    // decide that a migration is still pending.
    db.transaction(() => {
      if (applied().has(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }).immediate();
  }
}

/** better-sqlite3 reports constraint failures as SqliteError with an extended result code. */
export function sqliteCode(err: unknown): string | undefined {
  if (err instanceof Database.SqliteError) return err.code;
  return undefined;
}
