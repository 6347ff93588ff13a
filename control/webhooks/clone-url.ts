// Where a webhook clone may go. The payload names the repository, so the URL is outside input:
// plain http(s) only (no file://, ext::, ssh, or option-looking text that git would read as a
// flag), no credentials (they would land in logs and on disk), and — unless an admin allows
// it — only hosts whose every address is public. The addresses found are pinned for the clone
// so a second DNS answer cannot swap in a private one (DNS rebinding).
import dns from 'node:dns/promises';
import net from 'node:net';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { classifyAddress } from './address.js';

export interface CloneTarget {
  url: string;
  host: string;
  port: number;
  /** `host:port:addr,…` for git's http.curloptResolve; null when the host is an IP literal or private URLs are allowed. */
  pin: string | null;
}

export type Lookup = (host: string) => Promise<string[]>;

export const systemLookup: Lookup = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const invalid = (why: string): DeployFlowError => new DeployFlowError('DF_ERR_CLONE_URL_INVALID', `The repository URL is refused: ${why}`);

/** Syntax only (pure): throws DF_ERR_CLONE_URL_INVALID. */
export function checkCloneUrl(raw: unknown): URL {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) throw invalid('missing or too long');
  // eslint-disable-next-line no-control-regex -- whitespace and control characters never belong in a clone URL
  if (/[\x00-\x20\x7f\\]/.test(raw)) throw invalid('it contains spaces, control characters or backslashes');
  if (raw.startsWith('-')) throw invalid('it looks like a command-line option');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('it is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`only http and https are allowed, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw invalid('it carries credentials; use a public repository URL');
  if (url.hostname === '' || url.hostname.startsWith('-')) throw invalid('it has no valid host');
  if (url.search !== '' || url.hash !== '') throw invalid('it has a query or fragment');
  return url;
}

/**
 * Names the class of the address (loopback, private, link-local…), never the address: the
 * internal address a host name resolves to is the platform's network layout, not the caller's.
 */
function refusePrivate(host: string, address: string): never {
  const cls = classifyAddress(address);
  throw new DeployFlowError(
    'DF_ERR_CLONE_URL_PRIVATE',
    `The repository host ${host} resolves to a ${cls} address; an admin can allow non-public addresses (webhooks.allowPrivateUrls)`,
    { host, class: cls },
  );
}

/** Checks the URL and, unless `allowPrivate`, that every address of its host is public. */
export async function resolveCloneUrl(raw: unknown, opts: { allowPrivate: boolean; lookup?: Lookup }): Promise<CloneTarget> {
  const url = checkCloneUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const target = { url: url.toString(), host, port, pin: null };
  if (opts.allowPrivate) return target;
  if (net.isIP(host)) {
    if (classifyAddress(host) !== 'public') refusePrivate(host, host);
    return target;
  }
  let addresses: string[];
  try {
    addresses = await (opts.lookup ?? systemLookup)(host);
  } catch {
    throw new DeployFlowError('DF_ERR_CLONE_FAILED', `The repository host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw new DeployFlowError('DF_ERR_CLONE_FAILED', `The repository host ${host} does not resolve`);
  for (const address of addresses) if (classifyAddress(address) !== 'public') refusePrivate(host, address);
  const pinned = addresses.map((a) => (net.isIPv6(a) ? `[${a}]` : a)).join(',');
  return { ...target, pin: `${host}:${port}:${pinned}` };
}
