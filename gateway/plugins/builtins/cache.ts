// cache at the gateway: a small per-app response cache in this gateway's memory (see
// common/plugins/builtins/cache.ts for what is stored). Hits carry Age and `X-Cache: HIT`;
// answers that went to the app carry `X-Cache: MISS`. A request with no-cache / no-store /
// max-age=0 (or Pragma: no-cache) goes to the app; one carrying Authorization is neither served
// from nor stored in the cache.
import { filterResponseHeaders } from '../../shared/headers.js';
import type { GatewayPlugin, PluginInstance } from '../types.js';
import { ResponseStore } from './cache-store.js';

const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 308, 404, 410]);

/** Directive → value ('' for a bare one) of Cache-Control values. */
export function cacheDirectives(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  for (const part of value.split(',')) {
    const [k, v] = part.trim().split('=');
    if (k) out.set(k.toLowerCase(), (v ?? '').replace(/^"|"$/g, ''));
  }
  return out;
}

/**
 * Seconds a response may be served from a shared cache; 0: not at all. `s-maxage`, then `max-age`,
 * then `Expires` counted from the response's `Date` (from `now` without one; an `Expires` that is
 * not a date means already expired), then the configured default.
 */
export function sharedLifetime(
  status: number,
  headers: { list(n: string): string | undefined; has(n: string): boolean },
  defaultTtl: number,
  now = Date.now(),
): number {
  if (!CACHEABLE_STATUS.has(status) || headers.has('set-cookie')) return 0;
  const vary = headers.list('vary');
  if (vary !== undefined && vary.split(',').some((t) => t.trim() === '*')) return 0;
  const cc = cacheDirectives(headers.list('cache-control'));
  if (cc.has('no-store') || cc.has('private') || cc.has('no-cache')) return 0;
  const seconds = cc.get('s-maxage') ?? cc.get('max-age');
  if (seconds !== undefined) return /^[0-9]{1,9}$/.test(seconds) ? Number(seconds) : 0;
  const expires = headers.list('expires');
  if (expires !== undefined) {
    const at = Date.parse(expires);
    const date = Date.parse(headers.list('date') ?? '');
    return Number.isNaN(at) ? 0 : Math.max(0, Math.floor((at - (Number.isNaN(date) ? now : date)) / 1000));
  }
  return defaultTtl;
}

interface Pending {
  key: string;
}

export const cache: GatewayPlugin = {
  name: 'cache',
  create(config) {
    const maxEntryBytes = Number(config.maxEntryBytes ?? 1024 * 1024);
    const defaultTtl = Number(config.defaultTtlSeconds ?? 0);
    const store = new ResponseStore(Number(config.maxEntries ?? 1000), Number(config.maxBytes ?? 16 * 1024 * 1024));
    const self: PluginInstance = {
      onRequest(req) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
        if (req.headers.has('authorization')) return undefined;
        const cc = cacheDirectives(req.headers.list('cache-control'));
        const bypass = cc.has('no-cache') || cc.get('max-age') === '0' || /no-cache/i.test(req.headers.get('pragma') ?? '');
        const key = `${req.host} ${req.path}`;
        const now = Date.now();
        if (!bypass && !cc.has('no-store')) {
          const hit = store.get(key, (n) => req.headers.list(n), now);
          if (hit) {
            const headers = [...hit.headers, 'age', String(Math.floor((now - hit.storedAt) / 1000)), 'x-cache', 'HIT'];
            return { status: hit.status, headers, body: hit.body };
          }
        }
        if (req.method === 'GET' && !cc.has('no-store')) req.locals.set(self, { key } satisfies Pending);
        return undefined;
      },
      onResponse(req, res) {
        const pending = req.locals.get(self) as Pending | undefined;
        if (pending === undefined) return;
        const h = res.headers;
        const ttl = sharedLifetime(res.status, h, defaultTtl);
        const length = h.get('content-length');
        const stored =
          ttl > 0 && !(length !== undefined && Number(length) > maxEntryBytes) && !h.has('content-encoding') ? h.raw.slice() : null;
        h.set('x-cache', 'MISS');
        if (stored === null) return;
        const status = res.status;
        const vary = (h.list('vary') ?? '')
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean)
          .map((n): [string, string] => [n, req.headers.list(n) ?? '']);
        res.filter((next) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let keep = true;
          return {
            write(chunk) {
              if (keep) {
                size += chunk.length;
                if (size > maxEntryBytes) {
                  keep = false;
                  chunks.length = 0;
                } else chunks.push(chunk);
              }
              next.write(chunk);
            },
            end() {
              if (keep) {
                const now = Date.now();
                store.put(pending.key, {
                  status,
                  headers: withoutLength(stored),
                  body: Buffer.concat(chunks, size),
                  storedAt: now,
                  expiresAt: now + ttl * 1000,
                  vary,
                });
              }
              next.end();
            },
            destroy() {
              keep = false;
              next.destroy?.();
            },
          };
        });
      },
      close() {
        store.clear();
      },
    };
    return self;
  },
};

/**
 * The stored head: no hop-by-hop fields (they belonged to the app's connection) and no length
 * (a chunked answer had none): a hit sets the body's own.
 */
function withoutLength(raw: string[]): string[] {
  const kept = filterResponseHeaders(raw);
  const out: string[] = [];
  for (let i = 0; i < kept.length; i += 2) {
    if (kept[i]!.toLowerCase() !== 'content-length') out.push(kept[i]!, kept[i + 1]!);
  }
  return out;
}
