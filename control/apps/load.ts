import { parseAppName } from '../../common/names/validate.js';
import type { AuthedContext } from '../api/route.js';
import type { App } from '../store/types.js';
import { checkAccess, type AppAction } from './access.js';

/** Validates the :name parameter, loads the app and checks the caller may perform `action`. */
export async function loadApp(ctx: AuthedContext<unknown, unknown>, action: AppAction): Promise<App> {
  const name = parseAppName(ctx.params.name);
  ctx.audit.target = `app:${name}`;
  return checkAccess(ctx.deps.store, ctx.user, await ctx.deps.store.apps.get(name), action);
}
