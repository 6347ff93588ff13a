// Which custom domains hold an ACME certificate, and until when: a Redis hash domain → expiry
// (ms), read by the renewal and cleared when the domain leaves its app or gets an uploaded pair.
import type { Redis } from 'ioredis';

export const ACME_DOMAINS_KEY = 'deployflow:acme:domains';

export async function rememberAcmeDomain(redis: Redis, domain: string, notAfterMs: number): Promise<void> {
  await redis.hset(ACME_DOMAINS_KEY, domain, String(notAfterMs));
}

export async function forgetAcmeDomain(redis: Redis, domain: string): Promise<void> {
  await redis.hdel(ACME_DOMAINS_KEY, domain);
}

export async function acmeDomains(redis: Redis): Promise<Array<{ domain: string; notAfterMs: number }>> {
  const all = await redis.hgetall(ACME_DOMAINS_KEY);
  return Object.entries(all)
    .map(([domain, at]) => ({ domain, notAfterMs: Number(at) }))
    .filter((d) => Number.isFinite(d.notAfterMs));
}

/** Domains whose certificate ends within `windowMs` of `now` (pure). */
export function dueForRenewal(domains: Array<{ domain: string; notAfterMs: number }>, now: number, windowMs: number): string[] {
  return domains
    .filter((d) => d.notAfterMs - now <= windowMs)
    .map((d) => d.domain)
    .sort();
}
