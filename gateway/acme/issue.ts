// Obtains a certificate for a real domain from an ACME CA (Let's Encrypt by default) over
// HTTP-01 with acme-client: the challenge is put where every gateway answers it (Redis), the CA
// fetches it through the gateway on port 80, and the issued pair is stored like an uploaded one.
// The account key is generated once and kept mode 0600 in <dataDir>/tls/acme-account.key.
import fs from 'node:fs';
import path from 'node:path';
import acme from 'acme-client';
import type { Redis } from 'ioredis';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseDomain } from '../../common/names/validate.js';
import { setCustomCertificate } from '../tls/store.js';
import { putChallenge, removeChallenge } from './challenges.js';

export const LETS_ENCRYPT = acme.directory.letsencrypt.production;

export interface AcmeRequest {
  domain: string;
  email: string;
  tlsDir: string;
  /** ACME directory URL (tests and staging point elsewhere). */
  directoryUrl?: string;
}

async function accountKey(tlsDir: string): Promise<Buffer> {
  const file = path.join(tlsDir, 'acme-account.key');
  try {
    return fs.readFileSync(file);
  } catch {
    const key = await acme.crypto.createPrivateKey();
    fs.mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

/** Runs one ACME order to completion and installs the certificate for `domain`. */
export async function issueAcmeCertificate(redis: Redis, req: AcmeRequest): Promise<void> {
  const domain = parseDomain(req.domain);
  const client = new acme.Client({ directoryUrl: req.directoryUrl ?? LETS_ENCRYPT, accountKey: await accountKey(req.tlsDir) });
  const [key, csr] = await acme.crypto.createCsr({ commonName: domain });
  let cert: string;
  try {
    cert = await client.auto({
      csr,
      email: req.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => putChallenge(redis, challenge.token, keyAuthorization),
      challengeRemoveFn: async (_authz, challenge) => removeChallenge(redis, challenge.token),
    });
  } catch (err) {
    throw new DeployFlowError('DF_ERR_ACME_FAILED', `ACME order for ${domain} failed: ${(err as Error).message}`);
  }
  await setCustomCertificate(redis, domain, cert, key.toString());
}
