// The typed plugin interface of the gateway. A plugin is a factory (`create`) that the gateway
// calls once per route change with the route's validated config; what it returns runs per
// request. Phases follow the onion model (Kong, Koa): request hooks run in chain order and any
// may answer early; response hooks run in reverse order over whatever answers — the app, or a
// plugin that answered early — so a plugin earlier in the chain sees (and can change) the
// answer of every plugin after it. Built-ins (builtins/) and operators' modules
// (GATEWAY_PLUGINS) implement the same interface.
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/log/logger.js';
import type { HeaderList } from './header-list.js';

/** What a plugin instance may use besides its config. */
export interface PluginServices {
  /** The app whose route the chain belongs to. */
  app: string;
  /** The gateway's Redis connection (state shared by every gateway); commands fail fast while Redis is down. */
  redis: Redis | null;
  log: Logger;
}

/** One request as plugins see it; `path` and `headers` are what the app will receive. */
export interface PluginRequest {
  readonly method: string;
  /** Origin-form target, query included. A plugin may rewrite it. */
  path: string;
  /** The routed host (lower-case, no port). */
  readonly host: string;
  readonly proto: 'http' | 'https';
  /** The client's address (IPv4 without the ::ffff: prefix). */
  readonly remote: string;
  /**
   * The client connection this request came on: the same object for every request of one
   * keep-alive connection, so a plugin can key per-connection state on it in a WeakMap (gone with
   * the connection). Opaque: not for reading or writing.
   */
  readonly connection: object;
  readonly app: string;
  /** The forwarded request headers (X-Forwarded-* already set by the gateway). */
  readonly headers: HeaderList;
  /** Scratch space a plugin's request hook leaves for its response hook. */
  readonly locals: Map<object, unknown>;
}

/** An early answer from a request hook: the app is not asked. */
export interface PluginAnswer {
  status: number;
  /** An object, or a flat [name, value, …] list when a name repeats. */
  headers?: Record<string, string> | string[];
  body?: string | Buffer;
}

/** Where body bytes go next: the next filter, or the client. */
export interface BodyWriter {
  write(chunk: Buffer): void;
  end(): void;
  /** Stop: the client went away or the exchange failed; release what the filter holds. */
  destroy?(): void;
}

/** A response on its way to the client; hooks may change status and headers and filter the body. */
export interface PluginResponse {
  status: number;
  readonly headers: HeaderList;
  /** No body follows (HEAD, 204, 304, 1xx). */
  readonly bodyless: boolean;
  /**
   * Filters the body: `make` gets the writer the filtered bytes go to and returns the writer this
   * filter reads from. A filter that changes the length must remove Content-Length.
   */
  filter(make: (next: BodyWriter) => BodyWriter): void;
}

export interface PluginInstance {
  onRequest?(req: PluginRequest): PluginAnswer | void | Promise<PluginAnswer | void>;
  onResponse?(req: PluginRequest, res: PluginResponse): void;
  /** The route changed and this instance is no longer used. */
  close?(): void;
}

export interface GatewayPlugin {
  name: string;
  create(config: Record<string, unknown>, services: PluginServices): PluginInstance;
}

/** One plugin of a compiled chain (chain.ts). */
export interface ChainEntry {
  name: string;
  instance: PluginInstance;
}

/** What a request's run (run.ts) reads of its compiled chain. */
export interface ChainView {
  readonly app: string;
  readonly entries: readonly ChainEntry[];
  /** Why the chain could not be built; null when it works. */
  readonly broken: string | null;
  readonly log: Logger;
}
