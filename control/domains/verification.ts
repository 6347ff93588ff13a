// Domain ownership: a custom domain a developer adds is pending — in no route table entry and no
// DNS answer — until a TXT record `_deployflow-challenge.<domain>` carrying the app's token for it
// is found through the configured resolver. Admins' own additions, domains under names an admin
// listed, and platforms with DEPLOYFLOW_DOMAIN_VERIFICATION=off skip it. Pending claims live in the
// settings store, so both store backends keep them without a migration; existing domains (added
// before this rule) stay routed, as verified.
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { z } from 'zod';
import type { Config } from '../../common/config/config.js';
import type { Store, User } from '../store/types.js';

export const SKIP_SETTING = 'domains.verification.skipUnder';
const pendingKey = (app: string): string => `domains.pending:${app}`;

export interface PendingDomain {
  domain: string;
  token: string;
  createdAt: number;
}

export const PendingView = z.object({
  domain: z.string(),
  state: z.literal('pending'),
  record: z.object({ type: z.literal('TXT'), name: z.string(), value: z.string() }),
  createdAt: z.number(),
});

export const challengeName = (domain: string): string => `_deployflow-challenge.${domain}`;

export function pendingView(p: PendingDomain): z.infer<typeof PendingView> {
  return {
    domain: p.domain,
    state: 'pending',
    record: { type: 'TXT', name: challengeName(p.domain), value: `deployflow-verify=${p.token}` },
    createdAt: p.createdAt,
  };
}

export async function listPending(store: Store, app: string): Promise<PendingDomain[]> {
  return (await store.settings.get<PendingDomain[]>(pendingKey(app))) ?? [];
}

/** Adds (or keeps) a pending claim and returns it; the token stays the same for a repeated add. */
export async function claimDomain(store: Store, app: string, domain: string, now: number): Promise<PendingDomain> {
  const pending = await listPending(store, app);
  const existing = pending.find((p) => p.domain === domain);
  if (existing) return existing;
  const claim = { domain, token: randomBytes(16).toString('hex'), createdAt: now };
  await store.settings.set(pendingKey(app), [...pending, claim]);
  return claim;
}

export async function dropClaim(store: Store, app: string, domain: string): Promise<boolean> {
  const pending = await listPending(store, app);
  if (!pending.some((p) => p.domain === domain)) return false;
  await store.settings.set(
    pendingKey(app),
    pending.filter((p) => p.domain !== domain),
  );
  return true;
}

export async function forgetClaims(store: Store, app: string): Promise<void> {
  await store.settings.set(pendingKey(app), null);
}

/** Whether adding `domain` may skip the TXT check. */
export async function skipsVerification(config: Config, store: Store, user: User, domain: string): Promise<boolean> {
  if (config.domainVerification === 'off' || user.role === 'admin') return true;
  const under = (await store.settings.get<string[]>(SKIP_SETTING)) ?? [];
  return under.some((name) => domain === name || domain.endsWith(`.${name}`));
}

/** True when the challenge record carries the claim's value. */
export async function recordPresent(config: Config, claim: PendingDomain): Promise<boolean> {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (config.domainVerificationResolver) resolver.setServers([config.domainVerificationResolver]);
  try {
    const records = await resolver.resolveTxt(challengeName(claim.domain));
    return records.some((chunks) => chunks.join('') === pendingView(claim).record.value);
  } catch {
    return false; // NXDOMAIN, no TXT, a resolver that did not answer: not verified (yet)
  }
}
