// Picks the certificate for each TLS handshake by SNI name: an uploaded/ACME certificate for that
// exact name first, then the local platform certificate for the domain and its one-label
// subdomains, then a local-CA certificate made on demand for a deeper name under the domain —
// only for names that have a route, so a client cannot make the gateway mint certificates for
// arbitrary names.
// A custom domain (outside the platform domain) with no uploaded or ACME certificate gets the
// platform certificate, never one from the local CA: every user trusts that CA, so minting for a
// name a tenant merely routed (github.com, accounts.google.com) would hand out a trusted forgery.
// Serving the platform certificate rather than failing the handshake is what a shared host does
// (nginx's default server): a browser shows a plain name-mismatch error naming the certificate it
// got, the site stays reachable over HTTP (where ACME HTTP-01 validates) and by clients that accept
// the mismatch, and the fix is visible — upload a certificate or use the ACME endpoint.
import tls, { type SecureContext } from 'node:tls';
import type { Redis } from 'ioredis';
import type { Logger } from '../../common/log/logger.js';
import type { RouteIndex } from '../routing/index-table.js';
import { withinPlatformDomain, type KeyPair, type LocalCa } from './ca.js';
import { readCustomCertificate } from '../../common/certificates/index.js';

const MAX_CACHED = 10_000;

export class CertificateSelector {
  readonly platform: SecureContext;
  private readonly cache = new Map<string, SecureContext>();
  private readonly pending = new Map<string, Promise<SecureContext>>();

  constructor(
    private readonly ca: LocalCa,
    private readonly domain: string,
    private readonly redis: Redis,
    private readonly index: RouteIndex,
    private readonly log: Logger,
  ) {
    this.platform = context(ca.platform);
  }

  readonly SNICallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    const name = servername.toLowerCase();
    const hit = this.cache.get(name);
    if (hit) return cb(null, hit);
    let p = this.pending.get(name);
    if (!p) {
      p = this.resolve(name).finally(() => this.pending.delete(name));
      this.pending.set(name, p);
    }
    p.then(
      (ctx) => cb(null, ctx),
      () => cb(null, this.platform),
    );
  };

  /** A certificate for `host` changed (uploaded, renewed, removed). */
  invalidate(host: string): void {
    this.cache.delete(host);
  }

  private async resolve(name: string): Promise<SecureContext> {
    let custom: KeyPair | null;
    try {
      custom = await readCustomCertificate(this.redis, name);
    } catch {
      return this.platform; // Redis away: serve what we can, cache nothing
    }
    let ctx: SecureContext;
    if (custom) ctx = context(custom);
    else if (this.coveredByPlatform(name) || !this.index.get(name)) ctx = this.platform;
    else if (!withinPlatformDomain(name, this.domain))
      ctx = this.platform; // a custom domain: see the top
    else {
      this.log.info({ host: name }, 'issuing a local-CA certificate');
      ctx = context(await this.ca.issue(name));
    }
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(name, ctx);
    return ctx;
  }

  private coveredByPlatform(name: string): boolean {
    if (name === this.domain) return true;
    if (!name.endsWith(`.${this.domain}`)) return false;
    return !name.slice(0, -this.domain.length - 1).includes('.');
  }
}

function context(pair: KeyPair): SecureContext {
  return tls.createSecureContext({ cert: pair.cert, key: pair.key });
}
