// One Backend per upstream address, shared by every route that names it, so a route change
// keeps the warm keep-alive pool and in-flight requests of every upstream that stays. Pools of
// upstreams no route names any more are closed gracefully (in-flight requests finish).
import { Pool } from 'undici';
import type { Upstream } from '../../common/routes/index.js';
import { UpstreamPool } from '../fast/upstream.js';

export class Backend {
  readonly pool: Pool;
  /** Requests in flight: least-connections picks the smallest. */
  inflight = 0;
  /** Skipped until this time (ms since epoch) after a refused connection or failed check. */
  downUntil = 0;
  /** Marked by the active checker; a passive failure only sets downUntil. */
  healthy = true;
  refs = 0;
  /** Path the active check GETs (from the route's healthcheckPath); unset: TCP connect only. */
  healthPath: string | undefined;
  /** Raw keep-alive sockets for the fast engine, made on first use. */
  private fast: UpstreamPool | undefined;

  constructor(
    readonly key: string,
    readonly host: string,
    readonly port: number,
    private readonly connections: number,
    private readonly timeoutMs: number,
  ) {
    const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.pool = new Pool(origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connectTimeout: 5_000,
    });
  }

  fastPool(): UpstreamPool {
    return (this.fast ??= new UpstreamPool(this.host, this.port, this.connections, 5_000, this.timeoutMs));
  }

  /** Closes both pools gracefully: requests in flight finish first. */
  async close(): Promise<void> {
    this.fast?.close();
    await this.pool.close();
  }

  available(now: number): boolean {
    return this.healthy && this.downUntil <= now;
  }
}

export const backendKey = (u: Upstream): string => `${u.host}:${u.port}`;

export class BackendRegistry {
  private readonly backends = new Map<string, Backend>();

  constructor(
    private readonly connections: number,
    private readonly timeoutMs: number,
  ) {}

  acquire(u: Upstream): Backend {
    const key = backendKey(u);
    let b = this.backends.get(key);
    if (!b) {
      b = new Backend(key, u.host, u.port, this.connections, this.timeoutMs);
      this.backends.set(key, b);
    }
    b.refs++;
    return b;
  }

  release(b: Backend): void {
    if (--b.refs > 0) return;
    this.backends.delete(b.key);
    // close() lets queued and running requests finish: removing an upstream drops nothing.
    b.close().catch(() => undefined);
  }

  all(): IterableIterator<Backend> {
    return this.backends.values();
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.backends.values()].map((b) => b.close()));
    this.backends.clear();
  }
}
