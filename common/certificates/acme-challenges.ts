// ACME HTTP-01: the CA fetches http://<domain>/.well-known/acme-challenge/<token> and expects
// the key authorization. Challenges live in Redis so whichever gateway process the CA reaches
// can answer, and expire on their own if an order is abandoned.
import type { Redis } from 'ioredis';

export const challengeKey = (token: string): string => `deployflow:acme:challenge:${token}`;

export async function putChallenge(redis: Redis, token: string, keyAuthorization: string, ttlSeconds = 600): Promise<void> {
  await redis.set(challengeKey(token), keyAuthorization, 'EX', ttlSeconds);
}

export async function removeChallenge(redis: Redis, token: string): Promise<void> {
  await redis.del(challengeKey(token));
}

export function readChallenge(redis: Redis, token: string): Promise<string | null> {
  return redis.get(challengeKey(token));
}

/** Where HTTP-01 challenges are fetched; both engines answer this path before any route. */
export const ACME_PREFIX = '/.well-known/acme-challenge/';
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * The key authorization to answer for a challenge token, or null (answered 404): the one check
 * both engines use, so they agree on which tokens are looked up and that a Redis error is a 404.
 */
export async function acmeKeyAuthorization(lookup: (token: string) => Promise<string | null>, token: string): Promise<string | null> {
  return TOKEN.test(token) ? lookup(token).catch(() => null) : null;
}
