// The production store: MongoDB through the official driver. It needs no replica set: every
// rule that must be atomic is one single-document operation (see each aggregate's file).
import { MongoClient } from 'mongodb';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import type { Store } from '../types.js';
import { mongoApps } from './apps.js';
import { mongoAudit } from './audit.js';
import { collections, ensureIndexes } from './collections.js';
import { mongoDeployments } from './deployments.js';
import { mongoEnv } from './env.js';
import { mongoInvitations } from './invitations.js';
import { mongoNotifications } from './notifications.js';
import { mongoRefreshTokens } from './refresh-tokens.js';
import { mongoSettings } from './settings.js';
import { mongoSshKeys } from './ssh-keys.js';
import { mongoTeams } from './teams.js';
import { mongoApiTokens } from './tokens.js';
import { backfillFirstAdmin, mongoUsers } from './users.js';

export const DEFAULT_DB_NAME = 'deployflow';

/**
 * The database named in the URL path (`mongodb://host/<db>`), or `deployflow`: the driver's own
 * default, `test`, is no place for production data.
 */
export function dbNameFromUrl(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_DB_NAME;
}

export async function openMongoStore(url: string, opts: { dbName?: string } = {}): Promise<Store> {
  const client = new MongoClient(url, { appName: 'deployflow' });
  try {
    await client.connect();
  } catch (err) {
    // The driver's message names hosts, never the password in the URL.
    throw new DeployFlowError('DF_ERR_UNAVAILABLE', `MongoDB is not reachable: ${(err as Error).message}`);
  }
  try {
    const db = client.db(opts.dbName ?? dbNameFromUrl(url));
    const c = collections(db);
    await ensureIndexes(db);
    await backfillFirstAdmin(c);
    return {
      backend: 'mongodb',
      users: mongoUsers(c, db),
      apps: mongoApps(c),
      env: mongoEnv(c),
      deployments: mongoDeployments(c),
      apiTokens: mongoApiTokens(c),
      refreshTokens: mongoRefreshTokens(c),
      sshKeys: mongoSshKeys(c),
      audit: mongoAudit(c),
      settings: mongoSettings(c),
      notifications: await mongoNotifications(db),
      invitations: await mongoInvitations(db),
      teams: await mongoTeams(db),
      async ping() {
        try {
          const res = await db.command({ ping: 1 });
          return res.ok === 1;
        } catch {
          return false;
        }
      },
      async close() {
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}
