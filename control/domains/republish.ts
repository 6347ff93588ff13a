// After an app's hosts or edge settings change, the route table must list exactly its hosts with
// its current options, still pointing at the replicas that serve it now (and still sleeping if
// it sleeps). Runs in the app's queue so it never races a release.
import type { App } from '../store/types.js';
import type { ControlDeps } from '../server/deps.js';
import { appHosts } from '../deploy/hosts.js';
import { appRouteOptions } from '../edge/route-options.js';

export async function republishHosts(deps: ControlDeps, app: App, previousHosts: string[]): Promise<void> {
  const routes = deps.routes;
  if (!routes || !deps.deploy) return;
  await deps.deploy.runExclusive(app.name, async () => {
    const table = await routes.readRouteTable();
    const current = previousHosts.map((h) => table.routes[h]).find((r) => r && r.app === app.name);
    // Never deployed yet: nothing serves it, so there is nothing to route.
    if (!current) return;
    const fresh = (await deps.store.apps.get(app.name)) ?? app;
    await routes.setAppRoutes(
      app.name,
      appHosts(deps.config, fresh),
      current.upstreams,
      appRouteOptions(fresh, {
        tls: current.tls,
        sleeping: current.sleeping === true,
      }),
    );
  });
}

/** Republishes the app's routes with its current settings (same hosts). */
export function republishRoutes(deps: ControlDeps, app: App): Promise<void> {
  return republishHosts(deps, app, appHosts(deps.config, app));
}
