// Header rewriting on the hot path. Raw header arrays in, flat [name, value, …] arrays out: no
// header objects are built. Names are lower-cased only when their length matches a name we act
// on, which skips most headers without allocating.

/** Request headers a proxy must not forward (hop-by-hop, RFC 9110 §7.6.1) or that it sets itself. */
const REQUEST_DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  'http2-settings',
  // Client addresses an app may trust: only the gateway's own values reach it (X-Real-IP is set
  // below; RFC 7239 Forwarded is not set, so a client's cannot pass for the gateway's).
  'x-real-ip',
  'forwarded',
]);
const RESPONSE_DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
]);

const lengths = (names: Set<string>): boolean[] => {
  const out: boolean[] = [];
  for (const n of names) out[n.length] = true;
  return out;
};
const REQUEST_LEN = lengths(REQUEST_DROP);
const RESPONSE_LEN = lengths(RESPONSE_DROP);
REQUEST_LEN[4] = true; // host: counted, not dropped

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ForwardedRequest {
  headers: string[];
  /** A valid incoming X-Request-Id, kept so a trace spans proxies. */
  requestId: string | undefined;
  hostCount: number;
  /** Extra hop-by-hop names listed in Connection (rare); those headers were dropped too. */
}

export function forwardRequestHeaders(raw: string[], clientIp: string, proto: string, host: string, requestId: string): ForwardedRequest {
  const out: string[] = [];
  let incomingId: string | undefined;
  let hostCount = 0;
  let listed: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') listed = connectionTokens(raw[i + 1]!, listed);
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (REQUEST_LEN[name.length] === true) {
      const lower = name.toLowerCase();
      if (lower === 'host') hostCount++;
      else if (lower === 'x-request-id') {
        if (REQUEST_ID.test(value)) incomingId = value;
        continue;
      } else if (REQUEST_DROP.has(lower)) continue;
    }
    if (listed !== undefined && listed.has(name.toLowerCase())) continue;
    out.push(name, value);
  }
  out.push(
    'x-forwarded-for',
    clientIp,
    'x-real-ip',
    clientIp,
    'x-forwarded-proto',
    proto,
    'x-forwarded-host',
    host,
    'x-request-id',
    incomingId ?? requestId,
  );
  return { headers: out, requestId: incomingId, hostCount };
}

/**
 * Adds the field names listed in a Connection header value to `into`. Those fields are hop-by-hop
 * for that one connection (RFC 9110 §7.6.1) and must not be forwarded, in either direction.
 */
export function connectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t && t !== 'close' && t !== 'keep-alive' && t !== 'host') (into ??= new Set()).add(t);
  }
  return into;
}

/**
 * Response fields named in the upstream's own Connection header(s), if any. Content-Length is
 * never taken from it: dropping it would only change how the body is framed, not hide anything.
 */
export function listedResponseFields(raw: string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') listed = connectionTokens(raw[i + 1]!, listed);
  }
  listed?.delete('content-length');
  return listed;
}

/** Upstream response headers without hop-by-hop fields (the fixed set and any listed in Connection). */
export function filterResponseHeaders(raw: string[]): string[] {
  const listed = listedResponseFields(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (RESPONSE_LEN[name.length] === true && RESPONSE_DROP.has(name.toLowerCase())) continue;
    if (listed !== undefined && listed.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

/** Upstream response headers (Buffers from undici) → a flat array for writeHead, hop-by-hop fields dropped. */
export function forwardResponseHeaders(raw: Buffer[]): string[] {
  const strings: string[] = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) strings[i] = raw[i]!.toString('latin1');
  return filterResponseHeaders(strings);
}
