// Certificates that are not the local CA's: uploaded through the API or obtained by ACME (control
// writes them). Kept in Redis (host → {cert, key}) so every gateway process and host sees the same
// set; a change is announced on a channel so gateways swap contexts without a restart.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DeployFlowError } from '../errors/catalogue.js';
import { parseDomain } from '../names/validate.js';

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

export const CERTS_KEY = 'deployflow:tls:certs';
export const CERTS_CHANNEL = 'deployflow:tls:changes';

/** Checks the pair (parseable, key matches, covers the host, not expired) and stores it. */
export async function setCustomCertificate(redis: Redis, host: string, cert: string, key: string): Promise<void> {
  const name = parseDomain(host);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('key does not match');
  } catch (err) {
    throw new DeployFlowError('DF_ERR_INVALID_CERTIFICATE', `The certificate and key are not a valid pair: ${(err as Error).message}`);
  }
  if (x509.checkHost(name) === undefined) throw new DeployFlowError('DF_ERR_INVALID_CERTIFICATE', `The certificate does not cover ${name}`);
  if (Date.parse(x509.validTo) < Date.now()) throw new DeployFlowError('DF_ERR_INVALID_CERTIFICATE', 'The certificate has expired');
  await redis.multi().hset(CERTS_KEY, name, JSON.stringify({ cert, key })).publish(CERTS_CHANNEL, name).exec();
}

export async function removeCustomCertificate(redis: Redis, host: string): Promise<void> {
  const name = parseDomain(host);
  await redis.multi().hdel(CERTS_KEY, name).publish(CERTS_CHANNEL, name).exec();
}

export async function readCustomCertificate(redis: Redis, host: string): Promise<KeyPair | null> {
  const raw = await redis.hget(CERTS_KEY, host);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as KeyPair;
    return typeof parsed.cert === 'string' && typeof parsed.key === 'string' ? parsed : null;
  } catch {
    return null;
  }
}
