// The cache's side of conditional requests (RFC 9110 §13): which `If-*` fields a request carries,
// and whether a stored entry answers them with 304. What is stored and when it is fresh stays in
// cache.ts.
import { HeaderList } from '../header-list.js';
import type { CachedResponse } from './cache-store.js';

/** The request's conditional fields (null: it has no `If-*` field). */
export interface Conditions {
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  /** If-Match / If-Unmodified-Since: preconditions for the app (RFC 9111 §4.3.2); not evaluated here. */
  forApp: boolean;
}

/** One pass over the request head; names not starting with `if-` cost two char compares. */
export function conditionsOf(raw: string[]): Conditions | null {
  let out: Conditions | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length < 8 || (k.charCodeAt(0) | 0x20) !== 0x69 || (k.charCodeAt(1) | 0x20) !== 0x66 || k.charCodeAt(2) !== 0x2d) continue;
    const name = k.toLowerCase();
    out ??= { ifNoneMatch: undefined, ifModifiedSince: undefined, forApp: false };
    if (name === 'if-none-match') out.ifNoneMatch = out.ifNoneMatch === undefined ? raw[i + 1] : `${out.ifNoneMatch}, ${raw[i + 1]}`;
    else if (name === 'if-modified-since') out.ifModifiedSince ??= raw[i + 1];
    else if (name === 'if-match' || name === 'if-unmodified-since') out.forApp = true;
  }
  return out;
}

const ETAG = /(?:W\/)?"[^"]*"/g;

/** The opaque tag of an entity-tag (weak comparison: `W/` ignored). */
export const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** If-None-Match against a stored ETag: `*`, or any listed tag equal by weak comparison (RFC 9110 §13.1.2). */
export function noneMatchHits(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') return true;
  if (etag === undefined) return false;
  const mine = opaque(etag.trim());
  for (const tag of header.match(ETAG) ?? []) if (opaque(tag) === mine) return true;
  return false;
}

/**
 * Whether the stored entry answers the client's conditions with 304 (RFC 9110 §13.2.2): If-None-Match
 * when present, else If-Modified-Since against Last-Modified (else Date, else when it was stored;
 * RFC 9111 §4.3.2). An If-Modified-Since that is not a date is ignored.
 */
export function notModified(c: Conditions, entry: CachedResponse): boolean {
  if (c.ifNoneMatch !== undefined) return noneMatchHits(c.ifNoneMatch, entry.etag);
  if (c.ifModifiedSince === undefined) return false;
  const since = Date.parse(c.ifModifiedSince);
  if (Number.isNaN(since)) return false;
  let modified = Date.parse(entry.lastModified ?? '');
  if (Number.isNaN(modified)) modified = Date.parse(new HeaderList(entry.headers).get('date') ?? '');
  if (Number.isNaN(modified)) modified = entry.storedAt;
  return modified <= since;
}
