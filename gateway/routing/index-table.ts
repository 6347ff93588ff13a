// The gateway's compiled view of the route table: host → CompiledRoute with live Backends.
// Rebuilt per host on each 'change' from the consumer; a compiled route is replaced, never
// mutated, so a request that already picked its route finishes against the one it saw.
import type { Route, RouteChange, RouteTableConsumer } from '../../common/routes/index.js';
import type { BackendRegistry } from '../balancing/backends.js';
import type { Balanced, Member } from '../balancing/pick.js';
import type { CompiledChain, PluginHost } from '../plugins/chain.js';

export interface CompiledRoute extends Balanced {
  host: string;
  app: string;
  route: Route;
  /** The plugin chain, built once per route change; null: the plugin-free path. */
  chain: CompiledChain | null;
}

export class RouteIndex {
  private readonly byHost = new Map<string, CompiledRoute>();
  private readonly waiters = new Map<string, Set<(r: CompiledRoute | undefined) => void>>();

  constructor(
    private readonly registry: BackendRegistry,
    consumer: RouteTableConsumer,
    private readonly plugins?: PluginHost,
  ) {
    for (const [host, route] of consumer.routes) this.set(host, route);
    consumer.on('change', (c: RouteChange) => this.set(c.host, c.route));
  }

  get(host: string): CompiledRoute | undefined {
    return this.byHost.get(host);
  }

  get size(): number {
    return this.byHost.size;
  }

  /** Requests in flight per app, summed over its upstreams (each counted once however many hosts name it). */
  inflightByApp(): Map<string, number> {
    const out = new Map<string, number>();
    const seen = new Set<object>();
    for (const r of this.byHost.values()) {
      for (const m of r.members) {
        if (seen.has(m.backend)) continue;
        seen.add(m.backend);
        out.set(r.app, (out.get(r.app) ?? 0) + m.backend.inflight);
      }
    }
    return out;
  }

  /** Resolves with the host's next compiled route (used to hold requests for a waking app). */
  next(host: string, timeoutMs: number): Promise<CompiledRoute | undefined> {
    return new Promise((resolve) => {
      let set = this.waiters.get(host);
      if (!set) this.waiters.set(host, (set = new Set()));
      const done = (r: CompiledRoute | undefined): void => {
        clearTimeout(timer);
        set.delete(done);
        resolve(r);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      set.add(done);
    });
  }

  private set(host: string, route: Route | null): void {
    const old = this.byHost.get(host);
    let compiled: CompiledRoute | undefined;
    if (route) {
      const members: Member[] = route.upstreams.map((u) => {
        const backend = this.registry.acquire(u);
        if (route.healthcheckPath) backend.healthPath = route.healthcheckPath;
        return { backend, weight: u.weight ?? 1, current: 0 };
      });
      const chain = this.plugins?.acquire(route.app, route.plugins) ?? null;
      compiled = { host, app: route.app, route, members, balance: route.balance ?? 'round-robin', chain };
      this.byHost.set(host, compiled);
    } else {
      this.byHost.delete(host);
    }
    // Released after the new route holds its references, so a kept upstream's pool survives.
    if (old) {
      for (const m of old.members) this.registry.release(m.backend);
      this.plugins?.release(old.chain);
    }
    const waiting = this.waiters.get(host);
    if (waiting) {
      this.waiters.delete(host);
      for (const w of waiting) w(compiled);
    }
  }

  close(): void {
    for (const r of this.byHost.values()) {
      for (const m of r.members) this.registry.release(m.backend);
      this.plugins?.release(r.chain);
    }
    this.byHost.clear();
  }
}
