// What the route table carries for an app besides its upstreams: the health path the gateways'
// active checks GET, and the edge settings (balancing, HTTPS redirect, plugin chain, sleeping).
// Every publisher of an app's routes goes through here, so a deploy, a scale, a domain change
// and a settings change all publish the same options.
import type { AppRouteOptions } from '../../common/routes/index.js';
import type { App } from '../store/types.js';

export interface RouteState {
  /** Scaled to zero: gateways hold requests and ask control to wake the app. */
  sleeping?: boolean;
  tls?: boolean;
}

export function appRouteOptions(app: App, state: RouteState = {}): Partial<AppRouteOptions> {
  return {
    healthcheckPath: app.healthcheck.path,
    ...(state.tls !== undefined ? { tls: state.tls } : {}),
    ...(app.balance !== 'round-robin' ? { balance: app.balance } : {}),
    ...(app.httpsRedirect ? { httpsRedirect: true } : {}),
    ...(app.plugins.length > 0 ? { plugins: app.plugins.map((p) => ({ name: p.name, config: p.config })) } : {}),
    ...(state.sleeping ? { sleeping: true } : {}),
  };
}
