// Password reset tokens: 256-bit random, shown once (in the e-mail or to the admin who made the
// link), stored only as a SHA-256 with their user and expiry, and usable once. They live in the
// settings store so both backends keep them without a schema of their own.
import { randomBytes } from 'node:crypto';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { LoginLimits } from '../auth/rate-limit.js';
import { sha256 } from '../auth/tokens.js';
import type { Store } from '../store/types.js';

export const RESET_TTL_MS = 30 * 60 * 1000;
/** Reset requests: 5 per e-mail and 20 per address an hour. */
export const RESET_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowSeconds: 3600 };

interface StoredReset {
  userId: string;
  expiresAt: number;
  usedAt: number | null;
}

const key = (token: string): string => `auth.reset:${sha256(token)}`;

export async function issueResetToken(store: Store, userId: string, now: number): Promise<{ token: string; expiresAt: number }> {
  const token = `dfx_${randomBytes(32).toString('base64url')}`;
  const expiresAt = now + RESET_TTL_MS;
  await store.settings.set<StoredReset>(key(token), { userId, expiresAt, usedAt: null });
  return { token, expiresAt };
}

// Redemptions in this process take turns, so one token cannot be spent twice by two parallel calls.
let turn: Promise<unknown> = Promise.resolve();

/** Marks the token used and returns its user id; DF_ERR_RESET_TOKEN_INVALID when unknown, expired or used. */
export function redeemResetToken(store: Store, token: string, now: number): Promise<string> {
  const run = turn.then(async () => {
    const stored = await store.settings.get<StoredReset>(key(token));
    if (!stored || stored.usedAt !== null || stored.expiresAt <= now) throw new DeployFlowError('DF_ERR_RESET_TOKEN_INVALID');
    await store.settings.set<StoredReset>(key(token), { ...stored, usedAt: now });
    return stored.userId;
  });
  turn = run.catch(() => undefined);
  return run;
}

/** The dashboard page a reset link opens (built from the public URL, never from a request's Host). */
export function resetLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/reset-password#token=${encodeURIComponent(token)}`;
}
