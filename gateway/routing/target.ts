// The request-target, as the gateway routes and forwards it. Origin-form (`/path?q`) is the
// norm. Absolute-form (`http://host/path`, what clients send to proxies) names its own host, and
// RFC 9112 §3.2.2 says that host wins over the Host header: the gateway routes on it, forwards it
// as Host and sends the upstream origin-form — otherwise an app would build links for a host the
// gateway never routed (a poisoned password-reset link, say). Asterisk-form (`*`, OPTIONS) passes.

export interface Target {
  /** The authority of an absolute-form target; null for origin- and asterisk-form. */
  authority: string | null;
  /** What the upstream gets: always origin-form (or `*`). */
  path: string;
}

const ABSOLUTE = /^https?:\/\/([^/?#]*)(.*)$/i;

/** null when the target is neither origin-, absolute- (http/https) nor asterisk-form. */
export function splitTarget(url: string): Target | null {
  if (url.startsWith('/') || url === '*') return { authority: null, path: url };
  const m = ABSOLUTE.exec(url);
  if (!m) return null;
  const authority = m[1]!;
  // Userinfo has no place in a request (RFC 9110 §4.2.4); an empty authority routes nowhere.
  if (authority === '' || authority.includes('@')) return null;
  const rest = m[2]!;
  return { authority, path: rest.startsWith('/') ? rest : `/${rest}` };
}

/** The raw header list with every Host value replaced by `authority` (added when absent). */
export function withHost(raw: readonly string[], authority: string): string[] {
  const out = raw.slice();
  let found = false;
  for (let i = 0; i < out.length; i += 2) {
    if (out[i]!.length === 4 && out[i]!.toLowerCase() === 'host') {
      out[i + 1] = authority;
      found = true;
    }
  }
  if (!found) out.push('Host', authority);
  return out;
}
