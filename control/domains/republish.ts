// After an app's hosts change, the route table must list exactly its new hosts, still pointing
// at the replicas that serve it now. Runs in the app's queue so it never races a release.
import type { App } from '../store/types.js';
import type { ControlDeps } from '../server/deps.js';
import { appHosts } from '../deploy/hosts.js';

export async function republishHosts(deps: ControlDeps, app: App, previousHosts: string[]): Promise<void> {
  const routes = deps.routes;
  if (!routes || !deps.deploy) return;
  await deps.deploy.runExclusive(app.name, async () => {
    const table = await routes.readRouteTable();
    const current = previousHosts.map((h) => table.routes[h]).find((r) => r && r.app === app.name);
    // Never deployed yet: nothing serves it, so there is nothing to route.
    if (!current) return;
    await routes.setAppRoutes(app.name, appHosts(deps.config, app), current.upstreams, {
      ...(current.healthcheckPath ? { healthcheckPath: current.healthcheckPath } : {}),
      ...(current.httpsRedirect ? { httpsRedirect: current.httpsRedirect } : {}),
      tls: current.tls,
    });
  });
}
