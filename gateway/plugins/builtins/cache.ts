// cache at the gateway: a small per-app response cache in this gateway's memory (see
// common/plugins/builtins/cache.ts for what is stored). Hits carry Age and `X-Cache: HIT`;
// answers that went to the app carry `X-Cache: MISS`. A request with no-cache / no-store /
// max-age=0 (or Pragma: no-cache) goes to the app; one carrying Authorization is neither served
// from nor stored in the cache.
//
// Revalidation (RFC 9111 §4.3): a client's If-None-Match / If-Modified-Since on a fresh entry is
// answered here (304 when the stored validators match, else the full hit). A stale entry with a
// validator is kept: the next GET goes to the app with the entry's own conditions added (unless
// the client sent conditions of its own, which go on untouched); the app's 304 freshens the entry
// and the client gets the stored answer (`X-Cache: REVALIDATED`); any other answer below 500
// supersedes it. Nothing stale is ever served without that revalidation (so `no-cache`,
// `must-revalidate` and `proxy-revalidate` hold by construction).
import { filterResponseHeaders } from '../../shared/headers.js';
import { HeaderList } from '../header-list.js';
import type { GatewayPlugin, PluginInstance, PluginResponse } from '../types.js';
import { conditionsOf, notModified, opaque } from './cache-conditions.js';
import { ResponseStore, type CachedResponse } from './cache-store.js';

const CACHEABLE_STATUS = new Set([200, 203, 204, 300, 301, 308, 404, 410]);

/** Fields a 304 carries from the stored response (RFC 9110 §15.4.5). */
const NOT_MODIFIED_FIELDS = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'last-modified', 'vary']);

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

type HeaderView = { list(n: string): string | undefined; has(n: string): boolean };

/** Whether a shared cache may keep the response at all (status, Set-Cookie, Vary: *, no-store, private). */
function shareable(status: number, headers: HeaderView, cc: Map<string, string>): boolean {
  if (!CACHEABLE_STATUS.has(status) || headers.has('set-cookie')) return false;
  const vary = headers.list('vary');
  if (vary !== undefined && vary.split(',').some((t) => t.trim() === '*')) return false;
  return !cc.has('no-store') && !cc.has('private');
}

/**
 * Seconds a response may be served from a shared cache without revalidation; 0: not at all.
 * `s-maxage`, then `max-age`, then `Expires` counted from the response's `Date` (from `now`
 * without one; an `Expires` that is not a date means already expired), then the configured
 * default. A `no-cache` response is never fresh.
 */
export function sharedLifetime(status: number, headers: HeaderView, defaultTtl: number, now = Date.now()): number {
  const cc = cacheDirectives(headers.list('cache-control'));
  if (!shareable(status, headers, cc) || cc.has('no-cache')) return 0;
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

/**
 * Whether a response that is not fresh is still worth keeping to revalidate: shareable, with a
 * validator, and one the app meant to be cached (`no-cache`, `max-age`/`s-maxage`, `Expires`, or
 * a configured default). A response that says nothing about caching is not kept, as before.
 */
export function keptStale(status: number, headers: HeaderView, defaultTtl: number): boolean {
  if (!headers.has('etag') && !headers.has('last-modified')) return false;
  const cc = cacheDirectives(headers.list('cache-control'));
  if (!shareable(status, headers, cc)) return false;
  return cc.has('no-cache') || cc.has('max-age') || cc.has('s-maxage') || headers.has('expires') || defaultTtl > 0;
}

interface Pending {
  key: string;
  /** The stale entry this request revalidates (its own conditions or the client's), or null. */
  stale: CachedResponse | null;
  /** The gateway added the conditions: a 304 is its to turn into the stored answer. */
  ours: boolean;
}

export const cache: GatewayPlugin = {
  name: 'cache',
  create(config) {
    const maxEntryBytes = Number(config.maxEntryBytes ?? 1024 * 1024);
    const defaultTtl = Number(config.defaultTtlSeconds ?? 0);
    const store = new ResponseStore(Number(config.maxEntries ?? 1000), Number(config.maxBytes ?? 16 * 1024 * 1024));

    /** The entry with what a 304 from the app carried; the entry is dropped when that makes it unstorable. */
    const freshen = (key: string, entry: CachedResponse, update: string[], now: number): void => {
      const headers = merged(entry.headers, update);
      const list = new HeaderList(headers);
      const ttl = sharedLifetime(entry.status, list, defaultTtl, now);
      if (ttl === 0 && !keptStale(entry.status, list, defaultTtl)) {
        store.delete(key, entry); // the 304 made it private, no-store, …: served this once, not kept
        return;
      }
      entry.headers = headers;
      entry.storedAt = now;
      entry.expiresAt = now + ttl * 1000;
      entry.etag = list.get('etag');
      entry.lastModified = list.get('last-modified');
    };

    const self: PluginInstance = {
      onRequest(req) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
        if (req.headers.has('authorization')) return undefined;
        const cc = cacheDirectives(req.headers.list('cache-control'));
        const bypass = cc.has('no-cache') || cc.get('max-age') === '0' || /no-cache/i.test(req.headers.get('pragma') ?? '');
        const key = `${req.host} ${req.path}`;
        const now = Date.now();
        let stale: CachedResponse | null = null;
        let ours = false;
        if (!bypass && !cc.has('no-store')) {
          const hit = store.get(key, (n) => req.headers.list(n), now);
          if (hit) {
            const cond = conditionsOf(req.headers.raw);
            if (hit.expiresAt > now) {
              if (cond === null) return fromStore(hit, now);
              if (!cond.forApp) return notModified(cond, hit) ? notModifiedAnswer(hit, now) : fromStore(hit, now);
            } else if (req.method === 'GET') {
              stale = hit;
              if (cond === null || (cond.ifNoneMatch === undefined && cond.ifModifiedSince === undefined && !cond.forApp)) {
                ours = true;
                if (hit.etag !== undefined) req.headers.set('if-none-match', hit.etag);
                if (hit.lastModified !== undefined) req.headers.set('if-modified-since', hit.lastModified);
              }
            }
          }
        }
        if (req.method === 'GET' && !cc.has('no-store')) req.locals.set(self, { key, stale, ours } satisfies Pending);
        return undefined;
      },
      onResponse(req, res) {
        const pending = req.locals.get(self) as Pending | undefined;
        if (pending === undefined) return;
        const h = res.headers;
        const entry = pending.stale;
        if (entry !== null) {
          if (res.status === 304) {
            const now = Date.now();
            if (!pending.ours) {
              // The client's own conditions: the answer is theirs; it freshens the entry it names (RFC 9111 §4.3.4).
              if (validates(h, entry, false)) freshen(pending.key, entry, h.raw, now);
              h.set('x-cache', 'MISS');
              return;
            }
            if (validates(h, entry, true)) freshen(pending.key, entry, h.raw, now);
            else store.delete(pending.key, entry); // the app names another representation: not kept
            serveStored(res, entry, now);
            return;
          }
          // A new answer supersedes the stale one (a 5xx does not: it stays for the next try).
          if (res.status < 500) store.delete(pending.key, entry);
        }
        const ttl = sharedLifetime(res.status, h, defaultTtl);
        const length = h.get('content-length');
        const stored =
          (ttl > 0 || keptStale(res.status, h, defaultTtl)) &&
          !(length !== undefined && Number(length) > maxEntryBytes) &&
          !h.has('content-encoding')
            ? h.raw.slice()
            : null;
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
                const headers = withoutLength(stored);
                const list = new HeaderList(headers);
                store.put(pending.key, {
                  status,
                  headers,
                  body: Buffer.concat(chunks, size),
                  storedAt: now,
                  expiresAt: now + ttl * 1000,
                  etag: list.get('etag'),
                  lastModified: list.get('last-modified'),
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

const age = (entry: CachedResponse, now: number): string => String(Math.floor((now - entry.storedAt) / 1000));

function fromStore(hit: CachedResponse, now: number) {
  return { status: hit.status, headers: [...hit.headers, 'age', age(hit, now), 'x-cache', 'HIT'], body: hit.body };
}

/** 304 from a fresh entry: no body, the fields a 200 would have had that describe it. */
function notModifiedAnswer(hit: CachedResponse, now: number) {
  const headers: string[] = [];
  const raw = hit.headers;
  for (let i = 0; i < raw.length; i += 2) if (NOT_MODIFIED_FIELDS.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
  headers.push('age', age(hit, now), 'x-cache', 'HIT');
  return { status: 304, headers };
}

/**
 * Whether the app's 304 is about `entry` (RFC 9111 §4.3.4): its ETag (when it has one) equal to
 * the entry's (weakly when the gateway asked with that tag, strongly otherwise), else its
 * Last-Modified equal to the entry's; a 304 with no validator validates only the gateway's own
 * request.
 */
function validates(h: HeaderList, entry: CachedResponse, ours: boolean): boolean {
  const etag = h.get('etag');
  if (etag !== undefined) {
    if (entry.etag === undefined) return false;
    if (ours) return opaque(etag.trim()) === opaque(entry.etag.trim());
    return !etag.trim().startsWith('W/') && etag.trim() === entry.etag.trim();
  }
  const lastModified = h.get('last-modified');
  if (lastModified !== undefined) return lastModified === entry.lastModified;
  return ours;
}

/** Turns the app's 304 into the stored answer, with the 304's fields (and those plugins added) over the stored ones. */
function serveStored(res: PluginResponse, entry: CachedResponse, now: number): void {
  const out = merged(entry.headers, res.headers.raw);
  if (entry.status !== 204) out.push('content-length', String(entry.body.length));
  out.push('age', age(entry, now), 'x-cache', 'REVALIDATED');
  const raw = res.headers.raw;
  raw.length = 0;
  for (const v of out) raw.push(v);
  res.status = entry.status;
  const body = entry.body;
  res.filter((next) => ({
    write() {
      /* a 304 has no body */
    },
    end() {
      if (body.length > 0) next.write(body);
      next.end();
    },
    destroy() {
      next.destroy?.();
    },
  }));
}

/**
 * Stored fields updated with those of a 304 (RFC 9111 §3.2): each field it carries replaces the
 * stored one of that name; its framing, hop-by-hop fields, Age and X-Cache are not taken.
 */
function merged(stored: string[], update: string[]): string[] {
  const fresh = withoutLength(update);
  const names = new Set<string>();
  for (let i = 0; i < fresh.length; i += 2) names.add(fresh[i]!.toLowerCase());
  const out: string[] = [];
  for (let i = 0; i < stored.length; i += 2) if (!names.has(stored[i]!.toLowerCase())) out.push(stored[i]!, stored[i + 1]!);
  for (const v of fresh) out.push(v);
  return out;
}

/**
 * The stored head: no hop-by-hop fields (they belonged to the app's connection), no length (a
 * chunked answer had none: a hit sets the body's own), and no Age or X-Cache (set on the way out).
 */
function withoutLength(raw: string[]): string[] {
  const kept = filterResponseHeaders(raw);
  const out: string[] = [];
  for (let i = 0; i < kept.length; i += 2) {
    const name = kept[i]!.toLowerCase();
    if (name !== 'content-length' && name !== 'age' && name !== 'x-cache') out.push(kept[i]!, kept[i + 1]!);
  }
  return out;
}
