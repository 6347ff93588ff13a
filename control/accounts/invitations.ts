// Invitations by e-mail: an admin invites someone to the platform with a role, an app's owner (or
// an admin) invites someone to collaborate on that app. The token is 256-bit random, shown once
// (in the e-mail, or to the inviter when no SMTP server is configured), stored only as a SHA-256,
// valid for a week and usable once. Inviting never looks the address up, so the answer and its
// timing are the same whether or not it has an account; whoever holds the link finds out on
// accepting, and only then is an account made or a collaboration added.
import { randomBytes, randomUUID } from 'node:crypto';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { may } from '../apps/access.js';
import { registrationOpen } from '../auth/registration.js';
import { LoginLimiter, type LoginLimits } from '../auth/rate-limit.js';
import { hashPassword } from '../auth/passwords.js';
import { sha256 } from '../auth/tokens.js';
import { createMailer } from '../notifications/deliver.js';
import type { ControlDeps } from '../server/deps.js';
import type { App, Invitation, Role, User } from '../store/types.js';

export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
/** Invitations sent: 10 to one address and 50 by one inviter an hour (a flood of e-mails is someone else's inbox). */
export const INVITE_LIMITS: LoginLimits = { perAccount: 10, perAddress: 50, windowSeconds: 3600 };

const limiters = new WeakMap<ControlDeps, LoginLimiter>();

function limiter(deps: ControlDeps): LoginLimiter {
  let l = limiters.get(deps);
  if (!l) {
    l = new LoginLimiter(deps.redis, INVITE_LIMITS, 'invitations');
    limiters.set(deps, l);
  }
  return l;
}

/** The dashboard page an invitation opens; the token rides in the fragment, which never reaches a server log. */
export function inviteLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/invite#token=${encodeURIComponent(token)}`;
}

export function isPending(i: Invitation, now: number): boolean {
  return i.acceptedAt === null && i.revokedAt === null && i.expiresAt > now;
}

/** What the API shows of an invitation: never its token hash. */
export function invitationView(i: Invitation): Record<string, unknown> {
  return { id: i.id, email: i.email, role: i.role, app: i.app, invitedBy: i.invitedBy, createdAt: i.createdAt, expiresAt: i.expiresAt };
}

export interface Sent {
  invitation: Invitation;
  /** The link, when it could not be e-mailed (no SMTP server): shown to the inviter once. */
  url: string | null;
}

/** Stores an invitation and e-mails its link (in the background), or hands the link back when there is no SMTP server. */
export async function invite(
  deps: ControlDeps,
  inviter: User,
  to: { email: string; role: Role | null; app: string | null },
): Promise<Sent> {
  const email = to.email.toLowerCase();
  await limiter(deps).consume(`inviter:${inviter.id}`, email);
  const token = `dfi_${randomBytes(32).toString('base64url')}`;
  const now = deps.clock();
  const invitation = await deps.store.invitations.create({
    id: randomUUID(),
    tokenHash: sha256(token),
    email,
    role: to.role,
    app: to.app,
    invitedBy: inviter.id,
    createdAt: now,
    expiresAt: now + INVITE_TTL_MS,
    acceptedAt: null,
    revokedAt: null,
  });
  const url = inviteLink(deps.config.publicUrl, token);
  const mailer = createMailer(deps.config);
  if (!mailer) return { invitation, url };
  const what = to.app ? `to work on the app ${to.app}` : `to DeployFlow as ${to.role ?? 'developer'}`;
  // Sent in the background, like every e-mail whose timing could tell something about an address.
  void mailer
    .send(
      [email],
      `You are invited ${what}`,
      [
        `${inviter.email} invited you ${what}.`,
        '',
        `Open this link within ${INVITE_TTL_MS / 86_400_000} days to accept; it works once:`,
        '',
        url,
        '',
        'If you did not expect this, ignore this e-mail.',
      ].join('\n'),
    )
    .catch((err: unknown) => deps.log.warn({ err }, 'invitation e-mail failed'))
    .finally(() => mailer.close());
  return { invitation, url: null };
}

export interface Found {
  invitation: Invitation;
  inviter: User;
  app: App | null;
}

/**
 * The pending invitation a token names, with its inviter and app. It is refused when the
 * inviter may no longer invite to it (disabled, no longer admin or owner, the app gone):
 * an invitation carries its inviter's rights, never more than they have now.
 */
export async function findPending(deps: ControlDeps, token: string): Promise<Found> {
  const invitation = await deps.store.invitations.getByTokenHash(sha256(token));
  if (!invitation || !isPending(invitation, deps.clock())) throw new DeployFlowError('DF_ERR_INVITATION_INVALID');
  const inviter = await deps.store.users.get(invitation.invitedBy);
  if (!inviter || inviter.disabledAt !== null) throw new DeployFlowError('DF_ERR_INVITATION_INVALID');
  if (invitation.app === null) {
    if (inviter.role !== 'admin') throw new DeployFlowError('DF_ERR_INVITATION_INVALID');
    return { invitation, inviter, app: null };
  }
  const app = await deps.store.apps.get(invitation.app);
  if (!app || !(await may(deps.store, inviter, app, 'administer'))) throw new DeployFlowError('DF_ERR_INVITATION_INVALID');
  return { invitation, inviter, app };
}

export interface Accepted {
  kind: 'account' | 'collaboration';
  user: User;
  app: string | null;
  invitationId: string;
}

/**
 * Accepts an invitation. Signed in (`who`), the account must be the invited address and the
 * invitation one to an app: the account becomes a collaborator. Signed out, a new account is made
 * for the invited address with `password` — for an admin's invitation even while registration is
 * closed; for an owner's only while it is open (otherwise any developer could mint accounts).
 * Everything is checked before the invitation is spent; if what it was spent for then fails, it
 * is given back, so a refused attempt changes nothing.
 */
export async function accept(
  deps: ControlDeps,
  token: string,
  who: User | null,
  account: { name?: string | undefined; password?: string | undefined },
): Promise<Accepted> {
  const { invitation, inviter, app } = await findPending(deps, token);
  if (who) {
    if (who.email !== invitation.email) throw new DeployFlowError('DF_ERR_INVITATION_OTHER_ACCOUNT');
    if (!app) throw new DeployFlowError('DF_ERR_EMAIL_TAKEN', 'You already have an account; this invitation was for a new one');
    return spend(deps, invitation, async () => {
      await addCollaborator(deps, app, who);
      return { kind: 'collaboration', user: who, app: app.name, invitationId: invitation.id };
    });
  }
  if (!account.password)
    throw new DeployFlowError('DF_ERR_VALIDATION', 'Choose a password (or, if you already have an account, sign in first)');
  // Closed registration is checked before the address: without SMTP the owner holds the link, and
  // the answer must not tell them whether the address has an account. (While registration is
  // open, registering tells that anyway.)
  if (app && inviter.role !== 'admin' && !(await registrationOpen(deps.store))) {
    throw new DeployFlowError(
      'DF_ERR_REGISTRATION_CLOSED',
      'Registration is closed: sign in with an existing account, or ask an admin for one',
    );
  }
  if (await deps.store.users.getByEmail(invitation.email)) {
    throw new DeployFlowError('DF_ERR_EMAIL_TAKEN', 'That address already has an account: sign in, then open the invitation again');
  }
  const passwordHash = await hashPassword(account.password);
  return spend(deps, invitation, async () => {
    const user = await deps.store.users.create({
      email: invitation.email,
      name: account.name ?? invitation.email.split('@')[0] ?? invitation.email,
      passwordHash,
      googleId: null,
      role: invitation.role ?? 'developer',
    });
    if (app) await addCollaborator(deps, app, user);
    return { kind: 'account', user, app: app?.name ?? null, invitationId: invitation.id };
  });
}

/** Marks the invitation used (one caller wins), runs `use`, and gives the invitation back if `use` fails. */
async function spend(deps: ControlDeps, invitation: Invitation, use: () => Promise<Accepted>): Promise<Accepted> {
  const at = deps.clock();
  if (!(await deps.store.invitations.accept(invitation.id, at))) throw new DeployFlowError('DF_ERR_INVITATION_INVALID');
  try {
    return await use();
  } catch (err) {
    await deps.store.invitations.release(invitation.id, at);
    throw err;
  }
}

async function addCollaborator(deps: ControlDeps, app: App, user: User): Promise<void> {
  if (app.ownerId === user.id || app.collaboratorIds.includes(user.id)) return;
  const current = await deps.store.apps.get(app.name);
  if (!current) throw new DeployFlowError('DF_ERR_INVITATION_INVALID');
  if (current.collaboratorIds.includes(user.id)) return;
  const updated = await deps.store.apps.update(app.name, { collaboratorIds: [...current.collaboratorIds, user.id] });
  if (!updated) throw new DeployFlowError('DF_ERR_INVITATION_INVALID');
  deps.events.emit('app.updated', updated);
}
