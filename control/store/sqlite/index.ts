// The embedded default store: one SQLite file in the data dir, no server to run.
import type { Store } from '../types.js';
import { sqliteApps } from './apps.js';
import { sqliteAudit } from './audit.js';
import { openDb } from './db.js';
import { sqliteDeployments } from './deployments.js';
import { sqliteEnv } from './env.js';
import { sqliteInvitations } from './invitations.js';
import { sqliteNotifications } from './notifications.js';
import { sqliteRefreshTokens } from './refresh-tokens.js';
import { sqliteSettings } from './settings.js';
import { sqliteSshKeys } from './ssh-keys.js';
import { sqliteTeams } from './teams.js';
import { sqliteApiTokens } from './tokens.js';
import { sqliteUsers } from './users.js';

/** Opens (creating if needed) `<dataDir>/deployflow.db`. The directory must exist. */
export function openSqliteStore(dataDir: string): Store {
  const db = openDb(dataDir);
  return {
    backend: 'sqlite',
    users: sqliteUsers(db),
    apps: sqliteApps(db),
    env: sqliteEnv(db),
    deployments: sqliteDeployments(db),
    apiTokens: sqliteApiTokens(db),
    refreshTokens: sqliteRefreshTokens(db),
    sshKeys: sqliteSshKeys(db),
    audit: sqliteAudit(db),
    settings: sqliteSettings(db),
    notifications: sqliteNotifications(db),
    invitations: sqliteInvitations(db),
    teams: sqliteTeams(db),
    async ping() {
      try {
        return db.prepare('SELECT 1').pluck().get() === 1;
      } catch {
        return false;
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
