// Which DeployFlow account a Google identity signs in to. The Google subject id is the identity;
// the email only links an existing account when Google says it has verified that address —
// otherwise anyone could create a Google account with a victim's address and take theirs over.
import type { Profile } from 'passport-google-oauth20';
import { DeployFlowError, isDeployFlowError } from '../../../common/errors/catalogue.js';
import type { Store, User } from '../../store/types.js';
import { createAccount } from '../registration.js';
import { Email } from '../schemas.js';

export type GoogleOutcome = 'existing' | 'linked' | 'created';

export interface GoogleIdentity {
  googleId: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

/** The fields we rely on, from passport-google-oauth20's OpenID profile (sub, email, email_verified). */
export function identityFromProfile(profile: Profile): GoogleIdentity {
  const first = profile.emails?.[0];
  const parsed = Email.safeParse(first?.value);
  if (!profile.id || !parsed.success) throw new DeployFlowError('DF_ERR_VALIDATION', 'Google did not share a usable email address');
  const email = parsed.data.toLowerCase();
  // Google's userinfo says `true`; some of its older endpoints said "true".
  const verified: unknown = first?.verified;
  const name = profile.displayName?.trim().slice(0, 100) || email.split('@')[0] || email;
  return { googleId: profile.id, email, emailVerified: verified === true || verified === 'true', name };
}

export async function resolveGoogleUser(store: Store, who: GoogleIdentity): Promise<{ user: User; outcome: GoogleOutcome }> {
  const known = await store.users.getByGoogleId(who.googleId);
  if (known) return { user: known, outcome: 'existing' };

  const sameEmail = await store.users.getByEmail(who.email);
  if (sameEmail) {
    // Unverified: we cannot tell the address is theirs, so the account stays untouched.
    if (!who.emailVerified)
      throw new DeployFlowError('DF_ERR_EMAIL_TAKEN', 'An account with that email exists and Google has not verified the address');
    if (sameEmail.googleId !== null)
      throw new DeployFlowError('DF_ERR_CONFLICT', 'That account is already linked to another Google account');
    const linked = await store.users.update(sameEmail.id, { googleId: who.googleId });
    if (!linked) throw new DeployFlowError('DF_ERR_CONFLICT', 'That account changed during sign-in; try again');
    return { user: linked, outcome: 'linked' };
  }

  try {
    const user = await createAccount(store, { email: who.email, name: who.name, passwordHash: null, googleId: who.googleId });
    return { user, outcome: 'created' };
  } catch (err) {
    // Two callbacks for one new Google account raced; the loser signs in to the winner's account.
    if (isDeployFlowError(err) && err.code === 'DF_ERR_CONFLICT') {
      const winner = await store.users.getByGoogleId(who.googleId);
      if (winner) return { user: winner, outcome: 'existing' };
    }
    throw err;
  }
}
