// The local CA's certificate (public), as the gateway that made it reports it: control serves it
// for users to download and trust, and may run on another host than the gateway's data folder.
import type { Redis } from 'ioredis';

export const LOCAL_CA_KEY = 'deployflow:tls:local-ca';

export async function publishLocalCaCertificate(redis: Redis, pem: string): Promise<void> {
  await redis.set(LOCAL_CA_KEY, pem);
}

/** The CA certificate (PEM), or null until a gateway has started with this Redis. */
export function readLocalCaCertificate(redis: Redis): Promise<string | null> {
  return redis.get(LOCAL_CA_KEY);
}
