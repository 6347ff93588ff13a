// The publisher API control (and builder) call to change routes, plus the read used by the
// inspection API. Hosts pass parseDomain and routes pass the schema before anything reaches Redis.
import type { Redis } from 'ioredis';
import type { Fence } from '../coordination/index.js';
import { DeployFlowError } from '../errors/catalogue.js';
import { parseDomain } from '../names/validate.js';
import { SET_APP_ROUTES, SET_ROUTE } from './scripts.js';
import {
  appHostsKey,
  CHANNEL,
  parseRouteInput,
  parseStoredRoute,
  ROUTES_KEY,
  VERSION_KEY,
  type Route,
  type RouteInput,
  type Upstream,
} from './types.js';

export interface RouteTableSnapshot {
  version: number;
  routes: Record<string, Route>;
}

export type AppRouteOptions = Omit<RouteInput, 'app' | 'upstreams'>;

export interface RoutePublisher {
  /** Sets (or with null removes) one host's route. Resolves to the table version after it. */
  setRoute(host: string, route: RouteInput | null): Promise<number>;
  /** Atomically makes `hosts` exactly the hosts of `app`, all pointing at `upstreams`. */
  setAppRoutes(app: string, hosts: readonly string[], upstreams: readonly Upstream[], options?: Partial<AppRouteOptions>): Promise<number>;
  /** Removes every host of `app`. */
  removeApp(app: string): Promise<number>;
  readRouteTable(): Promise<RouteTableSnapshot>;
}

const KEY_PREFIX = appHostsKey('');

/**
 * The fence of the app's lock when the caller holds it (common/coordination): a write made under
 * it is applied only while that fence still holds the lock (DF_ERR_LOCK_LOST otherwise).
 */
export type FenceLookup = (app: string) => Fence | null;

export function createRoutePublisher(redis: Redis, fenceFor: FenceLookup = () => null): RoutePublisher {
  const run = async (script: string, app: string, args: string[]): Promise<number> => {
    const fence = app ? fenceFor(app) : null;
    try {
      // Without a fence, KEYS[4] is never read; the route hash stands in for it.
      return Number(
        await redis.eval(script, 4, ROUTES_KEY, VERSION_KEY, CHANNEL, fence?.key ?? ROUTES_KEY, KEY_PREFIX, fence?.token ?? '', ...args),
      );
    } catch (err) {
      if (err instanceof Error && err.message.includes('DF_STALE_FENCE')) {
        throw new DeployFlowError(
          'DF_ERR_LOCK_LOST',
          `Another instance took over ${app} (this one's lock expired); its route was not changed`,
        );
      }
      throw err;
    }
  };

  return {
    async setRoute(host, route) {
      const h = parseDomain(host);
      if (route === null) return run(SET_ROUTE, '', [h, '', '']);
      const input = parseRouteInput(route);
      return run(SET_ROUTE, input.app, [h, JSON.stringify(input), input.app]);
    },
    async setAppRoutes(app, hosts, upstreams, options = {}) {
      const input = parseRouteInput({ tls: false, ...options, app, upstreams: [...upstreams] });
      const unique = [...new Set(hosts.map((h) => parseDomain(h) as string))];
      return run(SET_APP_ROUTES, input.app, [input.app, JSON.stringify(input), ...unique]);
    },
    async removeApp(app) {
      const input = parseRouteInput({ app, upstreams: [], tls: false });
      return run(SET_APP_ROUTES, input.app, [input.app, '']);
    },
    readRouteTable: () => readRouteTable(redis),
  };
}

/** One consistent snapshot (MULTI): the table and the version it is at. */
export async function readRouteTable(redis: Redis): Promise<RouteTableSnapshot> {
  const result = await redis.multi().hgetall(ROUTES_KEY).get(VERSION_KEY).exec();
  if (!result) throw new Error('route table read was aborted');
  const [[hashErr, hash], [versionErr, version]] = result as [[Error | null, Record<string, string>], [Error | null, string | null]];
  if (hashErr) throw hashErr;
  if (versionErr) throw versionErr;
  const routes: Record<string, Route> = {};
  for (const [host, json] of Object.entries(hash)) {
    const route = parseStoredRoute(json);
    if (route) routes[host] = route;
  }
  return { version: Number(version ?? 0), routes };
}
