import type { SettingsStore } from '../types.js';
import type { Collections } from './collections.js';
import { isDuplicateKey } from './errors.js';

// Values are stored as JSON text, so they come back exactly as from the SQLite backend.
export function mongoSettings(c: Collections): SettingsStore {
  return {
    async get<T>(key: string): Promise<T | null> {
      const d = await c.settings.findOne({ _id: key });
      return d ? (JSON.parse(d.json) as T) : null;
    },
    async set<T>(key: string, value: T): Promise<void> {
      const json = JSON.stringify(value ?? null);
      try {
        await c.settings.updateOne({ _id: key }, { $set: { json } }, { upsert: true });
      } catch (err) {
        // Two first writes of one key raced to insert; the key exists now, so update it.
        if (!isDuplicateKey(err)) throw err;
        await c.settings.updateOne({ _id: key }, { $set: { json } });
      }
    },
  };
}
