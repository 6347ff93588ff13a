// The route table contract shared by control (publisher), gateway and dns (consumers).
// Redis layout: one hash host → route JSON, one version counter, one pub/sub channel carrying
// `{version, host, route|null}`. Every change bumps the version by exactly one and publishes one
// message, so a consumer that sees a version other than its own + 1 knows it missed something.
import net from 'node:net';
import { z } from 'zod';

export const ROUTES_KEY = 'deployflow:routes';
export const VERSION_KEY = 'deployflow:routes:version';
export const CHANNEL = 'deployflow:routes:changes';
/** Per-app set of hosts, so replacing an app's hosts never scans the whole table. */
export const appHostsKey = (app: string): string => `deployflow:routes:app:${app}`;
/** A gateway holding a request for a sleeping route asks control to wake the app here. */
export const WAKE_CHANNEL = 'deployflow:routes:wake';
/**
 * Control tells the gateways here that a wake failed (or is backing off after failing), so they
 * answer the requests they hold with 503 at once instead of at their timeout.
 */
export const WAKE_FAILED_CHANNEL = 'deployflow:routes:wake-failed';

/** What a gateway publishes on WAKE_CHANNEL. */
export interface WakeRequest {
  app: string;
  host: string;
}
/** What control publishes on WAKE_FAILED_CHANNEL: clients should retry after `retryAfterSeconds`. */
export interface WakeFailure {
  app: string;
  retryAfterSeconds: number;
  reason: string;
}

export interface Upstream {
  host: string;
  port: number;
  weight?: number;
}

export interface PluginConfig {
  name: string;
  config?: Record<string, unknown>;
}

export type Balance = 'round-robin' | 'least-connections';

export interface Route {
  app: string;
  upstreams: Upstream[];
  /** Serve this host over HTTPS (SNI) too. */
  tls: boolean;
  version: number;
  /** Scaled to zero: the gateway holds requests and asks control to wake the app. */
  sleeping?: boolean;
  plugins?: PluginConfig[];
  /** Answer plain HTTP with a 308 to HTTPS (except ACME challenges). */
  httpsRedirect?: boolean;
  balance?: Balance;
  /** Path the gateway's active health check GETs; absent: a TCP connect is the check. */
  healthcheckPath?: string;
}

/** What a publisher supplies; the version is assigned atomically by Redis. */
export type RouteInput = Omit<Route, 'version'>;

export interface RouteChange {
  version: number;
  host: string;
  route: Route | null;
}

// Container names (compose/Swarm layout) or IP literals; nothing that could smuggle a scheme,
// path or credentials into an upstream URL.
const UPSTREAM_HOST = /^[a-z0-9](?:[a-z0-9._-]{0,251}[a-z0-9])?$/i;
const upstreamHost = z.string().refine((h) => net.isIP(h) !== 0 || UPSTREAM_HOST.test(h), 'invalid upstream host');

const upstreamSchema = z.object({
  host: upstreamHost,
  port: z.number().int().min(1).max(65535),
  weight: z.number().int().min(1).max(1000).optional(),
});

const routeFields = {
  // Platform-internal routes (the control apex) use names an app may not take, so only the
  // label shape is checked here; app names are validated where apps are created.
  app: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
  // cjson encodes an empty array as {}, so accept that shape too.
  upstreams: z.union([
    z.array(upstreamSchema).max(256),
    z
      .object({})
      .strict()
      .transform(() => []),
  ]),
  tls: z.boolean(),
  sleeping: z.boolean().optional(),
  plugins: z
    .array(z.object({ name: z.string().max(64), config: z.record(z.string(), z.unknown()).optional() }))
    .max(32)
    .optional(),
  httpsRedirect: z.boolean().optional(),
  balance: z.enum(['round-robin', 'least-connections']).optional(),
  healthcheckPath: z
    .string()
    .regex(/^\/[\x21-\x7e]{0,255}$/)
    .optional(),
};

const inputSchema = z.object(routeFields).strict();
const routeSchema = z.object({ ...routeFields, version: z.number().int().min(0) });

export function parseRouteInput(value: unknown): RouteInput {
  return inputSchema.parse(value) as RouteInput;
}

/** Checks a stored route; returns null (caller logs) rather than throwing on a bad entry. */
export function parseRouteValue(value: unknown): Route | null {
  const parsed = routeSchema.safeParse(value);
  return parsed.success ? (parsed.data as Route) : null;
}

export function parseStoredRoute(json: string): Route | null {
  try {
    return parseRouteValue(JSON.parse(json));
  } catch {
    return null;
  }
}
