// The local CA, shared by every gateway on one Redis: its key pair is kept here so that several
// gateways (the compose layout, several nodes, GATEWAY_WORKERS) present certificates from ONE CA,
// the one users download from control and trust. The first gateway to start stores its CA (SET NX:
// when several start at once, exactly one write wins and every one of them reads that one); the
// others load it. The key pair lives beside the custom certificates' keys (CERTS_KEY): Redis is
// already trusted with TLS private keys. The certificate alone is also kept under LOCAL_CA_KEY,
// which control serves for download.
import type { Redis } from 'ioredis';
import type { KeyPair } from './custom.js';

export const LOCAL_CA_KEY = 'deployflow:tls:local-ca';
export const LOCAL_CA_PAIR_KEY = 'deployflow:tls:local-ca:pair';

function parsePair(raw: string | null): KeyPair | null {
  if (!raw) return null;
  try {
    const pair = JSON.parse(raw) as Partial<KeyPair>;
    return typeof pair.cert === 'string' && typeof pair.key === 'string' ? { cert: pair.cert, key: pair.key } : null;
  } catch {
    return null;
  }
}

/**
 * The shared CA: the one in Redis, or else `candidate()` (this gateway's CA from its disk, or a new
 * one) stored as it. Publishes the shared CA's certificate for control either way.
 */
export async function claimLocalCa(redis: Redis, candidate: () => KeyPair): Promise<KeyPair> {
  let shared = parsePair(await redis.get(LOCAL_CA_PAIR_KEY));
  if (!shared) {
    await redis.set(LOCAL_CA_PAIR_KEY, JSON.stringify(candidate()), 'NX');
    shared = parsePair(await redis.get(LOCAL_CA_PAIR_KEY));
    if (!shared) throw new Error(`${LOCAL_CA_PAIR_KEY} in Redis is not a certificate and key`);
  }
  await redis.set(LOCAL_CA_KEY, shared.cert);
  return shared;
}

/** The CA certificate (PEM), or null until a gateway has started with this Redis. */
export function readLocalCaCertificate(redis: Redis): Promise<string | null> {
  return redis.get(LOCAL_CA_KEY);
}
