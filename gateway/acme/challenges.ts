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
