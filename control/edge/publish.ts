// Publishing an app's routes as sleeping (no upstreams) or awake (the replicas that woke). The
// options come from route-options.ts like every other publisher's, so a sleep never drops the
// app's plugins, balancing or redirect.
import type { Upstream } from '../../builder/index.js';
import { appHosts } from '../deploy/hosts.js';
import type { App } from '../store/types.js';
import type { EdgeDeps } from './deps.js';
import { appRouteOptions } from './route-options.js';

export async function publishSleepRoute(
  edge: Pick<EdgeDeps, 'routes' | 'config'>,
  app: App,
  upstreams: Upstream[],
  sleeping: boolean,
): Promise<void> {
  if (!edge.routes) return;
  await edge.routes.setAppRoutes(app.name, appHosts(edge.config, app), upstreams, appRouteOptions(app, { sleeping }));
}

/**
 * Puts a sleeping app's route back, still sleeping, when the route table lost it (a Redis flush or
 * a new Redis): without it the app's names answer 404 instead of waking it. Returns whether it wrote.
 */
export async function restoreSleepRoute(edge: Pick<EdgeDeps, 'routes' | 'config'>, app: App): Promise<boolean> {
  if (!edge.routes) return false;
  const { routes } = await edge.routes.readRouteTable();
  if (appHosts(edge.config, app).every((host) => routes[host]?.app === app.name && routes[host]?.sleeping === true)) return false;
  await publishSleepRoute(edge, app, [], true);
  return true;
}
