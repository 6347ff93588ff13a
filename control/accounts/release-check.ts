// For the deploy engine: a deploy goes live only while the account that started it still may
// deploy the app. Disabling someone refuses their git push that is still building or waiting for
// its turn, and so does losing the rights (removed from the team, no longer a collaborator).
import { may } from '../apps/access.js';
import type { Store } from '../store/types.js';

export function releaseRefusal(store: Store): (app: string, createdBy: string | null) => Promise<string | null> {
  return async (name, createdBy) => {
    // Deploys nobody started (a signed webhook) answer to the app's settings, not to an account.
    if (createdBy === null) return null;
    const user = await store.users.get(createdBy);
    if (!user) return 'the account that started this deploy was deleted';
    if (user.disabledAt !== null) return 'the account that started this deploy was disabled';
    const app = await store.apps.get(name);
    if (app && !(await may(store, user, app, 'operate'))) return 'the account that started this deploy may no longer deploy this app';
    return null;
  };
}
