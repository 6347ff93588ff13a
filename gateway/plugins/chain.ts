// A route's plugin chain, compiled once per route change (gateway/routing/index-table.ts), never
// per request. Chains are shared by every host of an app with the same config and survive route
// changes that leave the config alone (a scale, a deploy), so per-app state such as the response
// cache keeps working; a chain is closed when no route uses it any more. A chain that cannot be
// built (a plugin this gateway does not have, a factory that throws) is kept as "broken": every
// request on it gets a 500 page rather than passing unprotected.
import type { PluginConfig } from '../../common/routes/index.js';
import type { Logger } from '../../common/log/logger.js';
import { PluginRun } from './run.js';
import type { ChainEntry, ChainView, GatewayPlugin, PluginServices } from './types.js';

export class CompiledChain implements ChainView {
  refs = 0;

  constructor(
    readonly key: string,
    readonly app: string,
    readonly entries: ChainEntry[],
    /** Why the chain could not be built; null when it works. */
    readonly broken: string | null,
    readonly log: Logger,
  ) {}

  start(
    method: string,
    path: string,
    host: string,
    proto: 'http' | 'https',
    remote: string,
    connection: object,
    headers: string[],
  ): PluginRun {
    return new PluginRun(this, method, path, host, proto, remote, connection, headers);
  }

  close(): void {
    for (const e of this.entries) {
      try {
        e.instance.close?.();
      } catch (err) {
        this.log.warn({ err, plugin: e.name }, 'plugin close failed');
      }
    }
  }
}

export class PluginHost {
  private readonly chains = new Map<string, CompiledChain>();

  constructor(
    private readonly plugins: ReadonlyMap<string, GatewayPlugin>,
    private readonly services: Omit<PluginServices, 'app'>,
  ) {}

  /** The chain for a route's plugin list; null for none (the plugin-free path). */
  acquire(app: string, list: readonly PluginConfig[] | undefined): CompiledChain | null {
    if (list === undefined || list.length === 0) return null;
    const key = `${app}\n${JSON.stringify(list)}`;
    let chain = this.chains.get(key);
    if (!chain) {
      chain = this.build(key, app, list);
      this.chains.set(key, chain);
    }
    chain.refs++;
    return chain;
  }

  release(chain: CompiledChain | null): void {
    if (chain === null || --chain.refs > 0) return;
    this.chains.delete(chain.key);
    chain.close();
  }

  private build(key: string, app: string, list: readonly PluginConfig[]): CompiledChain {
    const services: PluginServices = { ...this.services, app };
    const entries: ChainEntry[] = [];
    for (const p of list) {
      const plugin = this.plugins.get(p.name);
      let why: string | null = null;
      if (!plugin) why = `plugin "${p.name}" is not loaded on this gateway`;
      else {
        try {
          entries.push({ name: p.name, instance: plugin.create(p.config ?? {}, services) });
        } catch (err) {
          why = `plugin "${p.name}" could not start: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      if (why !== null) {
        this.services.log.error({ app, plugin: p.name }, `${why}; the app's requests get 500 until its chain changes`);
        for (const e of entries) e.instance.close?.();
        return new CompiledChain(key, app, [], why, this.services.log);
      }
    }
    return new CompiledChain(key, app, entries, null, this.services.log);
  }
}
