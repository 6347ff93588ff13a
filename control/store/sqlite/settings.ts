import type { SettingsStore } from '../types.js';
import type { Db } from './db.js';

// Values are JSON, so a setting keeps its type (number, boolean, object) across a restart.
export function sqliteSettings(db: Db): SettingsStore {
  const get = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const set = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  return {
    async get<T>(key: string): Promise<T | null> {
      const r = get.get(key);
      return r ? (JSON.parse(r.value) as T) : null;
    },
    async set<T>(key: string, value: T): Promise<void> {
      set.run(key, JSON.stringify(value ?? null));
    },
  };
}
