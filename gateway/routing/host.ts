// Host header → route key: case-insensitive, port stripped, one trailing dot allowed (FQDN form).
// Anything that is not a plain DNS name (IP literals, userinfo, odd bytes) gets no route: the
// caller answers 404 (unknown) or 400 (malformed) without ever looking further.

const NAME = /^[a-z0-9.-]+$/;
export const MAX_HOST_LENGTH = 253;

/** The normalised host, '' when the header is absent, null when it is malformed. */
export function normaliseHost(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return '';
  if (raw.length > MAX_HOST_LENGTH + 7) return null;
  let host = raw;
  const colon = host.indexOf(':');
  if (colon !== -1) {
    const port = host.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(port)) return null;
    host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  host = host.toLowerCase();
  if (host.length === 0 || host.length > MAX_HOST_LENGTH || !NAME.test(host)) return null;
  return host;
}
