// Pure parsing of smart-HTTP requests: which app, which git service, which credentials. The URL
// must be exactly /<app>.git/<endpoint>; anything else (encoded dots, extra segments, dumb-HTTP
// file paths) is refused before a name is even validated.
import { isAppName, type AppName } from '../../common/names/validate.js';
import { parseServiceName, type GitServiceName } from '../commands/git-commands.js';

export interface GitHttpRequest {
  app: AppName;
  service: GitServiceName;
  advertise: boolean;
}

const PATH = /^\/([a-z0-9-]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/** null → 404. `method` is checked too, so the caller only deals with valid requests. */
export function parseGitRequest(method: string | undefined, rawUrl: string | undefined): GitHttpRequest | null {
  if (!rawUrl) return null;
  const q = rawUrl.indexOf('?');
  const pathname = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  const match = PATH.exec(pathname);
  if (!match || !isAppName(match[1])) return null;
  const app = match[1];
  if (match[2] === 'info/refs') {
    const service = parseServiceName(new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '').get('service'));
    if (method !== 'GET' || !service) return null;
    return { app, service, advertise: true };
  }
  const service = parseServiceName(match[2]);
  if (method !== 'POST' || !service) return null;
  return { app, service, advertise: false };
}

/** The password of an HTTP Basic header (the user name is ignored: any name works, like GitHub). */
export function basicPassword(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const password = decoded.slice(colon + 1);
  return password === '' ? null : password;
}

/** One pkt-line: 4 hex digits of total length, then the payload. */
export function pktLine(payload: string): string {
  return (Buffer.byteLength(payload) + 4).toString(16).padStart(4, '0') + payload;
}
