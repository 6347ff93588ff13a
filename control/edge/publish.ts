// Publishing an app's routes as sleeping (no upstreams) or awake (the replicas that woke). The
// options come from route-options.ts like every other publisher's, so a sleep never drops the
// app's plugins, balancing or redirect.
import type { Upstream } from '../../builder/index.js';
import { appHosts } from '../deploy/hosts.js';
import type { App } from '../store/types.js';
import type { EdgeDeps } from './deps.js';
import { appRouteOptions } from './route-options.js';

export async function publishSleepRoute(x: EdgeDeps, app: App, upstreams: Upstream[], sleeping: boolean): Promise<void> {
  if (!x.routes) return;
  await x.routes.setAppRoutes(app.name, appHosts(x.config, app), upstreams, appRouteOptions(app, { sleeping }));
}
