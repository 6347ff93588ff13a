// The one conformance suite every store backend must pass (the README's "Store"). It states the
// behaviour the rest of DeployFlow relies on, races included, so a backend that passes can be
// swapped for another without anyone noticing.
import { afterEach, beforeEach, describe } from 'node:test';
import { appSuite } from './conformance/apps.js';
import { auditSuite, settingsSuite } from './conformance/audit-settings.js';
import { deploymentSuite } from './conformance/deployments.js';
import { durabilitySuite } from './conformance/durability.js';
import { envSuite } from './conformance/env.js';
import { invitationSuite } from './conformance/invitations.js';
import { notificationSuite } from './conformance/notifications.js';
import type { Ctx } from './conformance/fixtures.js';
import { refreshTokenSuite } from './conformance/refresh-tokens.js';
import { teamSuite } from './conformance/teams.js';
import { apiTokenSuite, sshKeySuite } from './conformance/tokens.js';
import { userSuite } from './conformance/users.js';
import type { Store } from './types.js';

/**
 * `open` must give a new, empty store on every call. `reopen`, when given, must open the data
 * of an already closed store again (for SQLite: the same directory).
 */
export function runStoreConformance(backendName: string, open: () => Promise<Store>, reopen?: (closed: Store) => Promise<Store>): void {
  describe(`store conformance: ${backendName}`, () => {
    let current: Store | undefined;
    const ctx: Ctx = {
      store() {
        if (!current) throw new Error('no store is open');
        return current;
      },
      reopen: reopen
        ? async () => {
            const closed = ctx.store();
            await closed.close();
            current = await reopen(closed);
            return current;
          }
        : undefined,
    };

    beforeEach(async () => {
      current = await open();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    userSuite(ctx);
    appSuite(ctx);
    envSuite(ctx);
    deploymentSuite(ctx);
    apiTokenSuite(ctx);
    sshKeySuite(ctx);
    refreshTokenSuite(ctx);
    auditSuite(ctx);
    settingsSuite(ctx);
    notificationSuite(ctx);
    invitationSuite(ctx);
    teamSuite(ctx);
    durabilitySuite(ctx);
  });
}
