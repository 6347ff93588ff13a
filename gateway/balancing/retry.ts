// When a failed upstream request may be sent again, to another replica: the one rule both engines
// follow. Only when the request never reached the app — or its connection was cut before any of
// the answer came back (the replica died with it, as nginx's proxy_next_upstream counts it) — and
// only methods that are idempotent and carry no body (a body may be half sent and cannot be
// replayed), at most three attempts in all.

/** Connection errors meaning the app never saw the request (undici's names and the fast engine's). */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** A connection cut under the request: reset, broken pipe, closed (undici's name and the fast engine's). */
const CUT = new Set(['ECONNRESET', 'EPIPE', 'EOF', 'UND_ERR_SOCKET']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const MAX_ATTEMPTS = 3;

/** The error code says the request did not reach the app (the replica is marked down; a 503 if none is left). */
export function neverReachedApp(code: string): boolean {
  return NOT_CONNECTED.has(code);
}

/** The error code says the connection was cut; retried only when nothing of the answer had come back. */
export function cutBeforeAnswer(code: string): boolean {
  return CUT.has(code);
}

/** Whether a request that did not reach the app may be tried again after `attempts` tries. */
export function mayRetry(method: string, hasBody: boolean, attempts: number): boolean {
  return !hasBody && IDEMPOTENT.has(method) && attempts < MAX_ATTEMPTS;
}
