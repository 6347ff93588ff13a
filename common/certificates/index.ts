// Certificates the gateways serve and control manages, shared through Redis: uploaded or ACME
// pairs per host, ACME HTTP-01 challenges, which domains ACME renews, the local CA's certificate.
export { CERTS_CHANNEL, CERTS_KEY, readCustomCertificate, removeCustomCertificate, setCustomCertificate, type KeyPair } from './custom.js';
export { ACME_PREFIX, acmeKeyAuthorization, challengeKey, putChallenge, readChallenge, removeChallenge } from './acme-challenges.js';
export { ACME_DOMAINS_KEY, acmeDomains, dueForRenewal, forgetAcmeDomain, rememberAcmeDomain } from './acme-domains.js';
export { claimLocalCa, LOCAL_CA_KEY, LOCAL_CA_PAIR_KEY, readLocalCaCertificate } from './local-ca.js';
