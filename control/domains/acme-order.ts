// One ACME order: obtains a certificate for a real domain from an ACME CA (Let's Encrypt by default)
// over HTTP-01 with acme-client: the challenge is put where every gateway answers it (Redis), the CA
// fetches it through the gateway on port 80, and the issued pair is stored like an uploaded one
// and remembered for renewal. The account key is generated once and kept mode 0600 in
// <dataDir>/tls/acme-account.key.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import acme from 'acme-client';
import type { Redis } from 'ioredis';
import { putChallenge, rememberAcmeDomain, removeChallenge, setCustomCertificate } from '../../common/certificates/index.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseDomain } from '../../common/names/validate.js';

export const LETS_ENCRYPT = acme.directory.letsencrypt.production;

export interface AcmeRequest {
  domain: string;
  email?: string | undefined;
  tlsDir: string;
  /** ACME directory URL (Let's Encrypt production when unset). */
  directoryUrl?: string | undefined;
  /** Extra roots (PEM) to trust for the CA's own HTTPS: a private ACME CA, or a test one. */
  caPem?: string | undefined;
}

export interface IssuedCertificate {
  domain: string;
  issuer: string;
  notAfter: string;
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

/**
 * acme-client talks through one shared axios instance, so settings go on it; only ACME traffic
 * uses it. Extra roots are trusted next to the usual ones. Its default of five retries 5-25 s
 * apart would hold an API call for over a minute when the CA is unreachable: two, 1-2 s apart.
 */
function configureAcmeHttp(caPem: string | undefined): https.Agent | undefined {
  const agent = caPem ? new https.Agent({ ca: [...tls.rootCertificates, caPem] }) : undefined;
  acme.axios.defaults.httpsAgent = agent;
  // acmeSettings is acme-client's own field on the axios defaults (not in axios's types).
  const defaults = acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number } };
  Object.assign(defaults.acmeSettings, { retryMaxAttempts: 2, retryDefaultDelay: 1 });
  return agent;
}

/**
 * Fetches the directory first: when the CA cannot be reached, acme-client's own error after its
 * retries says nothing useful ("Cannot read properties of undefined"), this names the cause.
 */
function checkDirectory(url: string, agent: https.Agent | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void =>
      reject(new DeployFlowError('DF_ERR_ACME_FAILED', `The ACME directory ${url} cannot be reached: ${why}`));
    const req = https.get(url, { ...(agent ? { agent } : {}), timeout: 10_000 }, (res) => {
      res.resume();
      if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) resolve();
      else fail(`it answered HTTP ${res.statusCode}`);
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.once('error', (err) => fail(err.message));
  });
}

/** Runs one ACME order to completion, installs the certificate for `domain` and remembers it for renewal. */
export async function issueAcmeCertificate(redis: Redis, req: AcmeRequest): Promise<IssuedCertificate> {
  const domain = parseDomain(req.domain);
  const agent = configureAcmeHttp(req.caPem);
  const directoryUrl = req.directoryUrl ?? LETS_ENCRYPT;
  await checkDirectory(directoryUrl, agent);
  const client = new acme.Client({ directoryUrl, accountKey: await accountKey(req.tlsDir) });
  const [key, csr] = await acme.crypto.createCsr({ commonName: domain });
  let cert: string;
  try {
    cert = await client.auto({
      csr,
      ...(req.email ? { email: req.email } : {}),
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // acme-client would first fetch the challenge itself through this host's resolver and port
      // 80, which fails behind NAT without hairpinning although the CA would succeed; the CA's
      // own check is the one that counts, and its refusal comes back with the reason.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => putChallenge(redis, challenge.token, keyAuthorization),
      challengeRemoveFn: async (_authz, challenge) => removeChallenge(redis, challenge.token),
    });
  } catch (err) {
    throw new DeployFlowError('DF_ERR_ACME_FAILED', `ACME order for ${domain} failed: ${(err as Error).message}`);
  }
  await setCustomCertificate(redis, domain, cert, key.toString());
  const x509 = new X509Certificate(cert);
  await rememberAcmeDomain(redis, domain, Date.parse(x509.validTo));
  return { domain, issuer: x509.issuer.replace(/\n/g, ', '), notAfter: new Date(x509.validTo).toISOString() };
}
