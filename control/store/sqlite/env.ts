import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { checkEnvChanges, sortedRecord } from '../shared.js';
import type { EnvStore } from '../types.js';
import type { Db } from './db.js';

export function sqliteEnv(db: Db): EnvStore {
  const all = db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM env_vars WHERE app = ?');
  const appExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM apps WHERE name = ?');
  const upsert = db.prepare(
    'INSERT INTO env_vars (app, key, value) VALUES (?, ?, ?) ON CONFLICT (app, key) DO UPDATE SET value = excluded.value',
  );
  const remove = db.prepare('DELETE FROM env_vars WHERE app = ? AND key = ?');

  const read = (app: string): Record<string, string> => sortedRecord(all.all(app).map((r) => [r.key, r.value]));

  // A release reads the whole set; it must never see half of a change.
  const applyTx = db.transaction((app: string, changes: Record<string, string | null>): Record<string, string> => {
    if (!appExists.get(app)) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) remove.run(app, key);
      else upsert.run(app, key, value);
    }
    return read(app);
  });

  return {
    async get(app) {
      return read(app);
    },
    async apply(app, changes) {
      checkEnvChanges(changes);
      return applyTx.immediate(app, changes);
    },
  };
}
