// A domain's certificate, private key and ACME renewal state go with the domain: when it leaves
// its app, or the app is deleted, they are removed from Redis (the gateways drop their copy on
// the change message), so an app that claims the domain later is never served its predecessor's
// certificate. Nothing per domain is kept on disk (the ACME account key is the platform's).
import { forgetAcmeDomain, removeCustomCertificate } from '../../common/certificates/index.js';
import type { ControlDeps } from '../server/deps.js';

export async function forgetDomainCertificates(deps: Pick<ControlDeps, 'redis'>, domains: readonly string[]): Promise<void> {
  const redis = deps.redis;
  if (!redis) return;
  await Promise.all(domains.flatMap((domain) => [removeCustomCertificate(redis, domain), forgetAcmeDomain(redis, domain)]));
}
