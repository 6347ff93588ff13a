// redirect at the gateway: one 308 (or 307) carrying every change the config asks for — scheme,
// www/apex host and path prefix — or nothing when the request already matches.
import type { GatewayPlugin } from '../types.js';

interface RedirectConfig {
  https?: boolean;
  host?: 'www' | 'apex';
  prefixes?: { from: string; to: string }[];
  permanent?: boolean;
}

const strip = (p: string): string => (p.endsWith('/') ? p.slice(0, -1) : p);

/** The URL to send the client to, or null when nothing changes. Pure, for the unit tests. */
export function redirectTarget(c: RedirectConfig, proto: string, host: string, path: string): string | null {
  const scheme = c.https && proto === 'http' ? 'https' : proto;
  let name = host;
  if (c.host === 'www' && !name.startsWith('www.')) name = `www.${name}`;
  else if (c.host === 'apex' && name.startsWith('www.')) name = name.slice(4);
  let target = path;
  for (const p of c.prefixes ?? []) {
    const from = strip(p.from);
    if (!path.startsWith(from)) continue;
    const rest = path.slice(from.length);
    if (rest !== '' && rest[0] !== '/' && rest[0] !== '?') continue; // /app does not match /apple
    target = strip(p.to) + rest;
    if (target === '' || target[0] === '?') target = `/${target}`;
    break;
  }
  if (scheme === proto && name === host && target === path) return null;
  return `${scheme}://${name}${target}`;
}

export const redirect: GatewayPlugin = {
  name: 'redirect',
  create(config) {
    const c = config as RedirectConfig;
    const status = c.permanent === false ? 307 : 308;
    return {
      onRequest(req) {
        const location = redirectTarget(c, req.proto, req.host, req.path);
        return location === null ? undefined : { status, headers: { location } };
      },
    };
  },
};
