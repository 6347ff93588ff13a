// The invitations API: admins invite to the platform with a role, everyone who may administer an
// app lists, resends and revokes its invitations (owners invite through POST /apps/:name/collaborators),
// and whoever holds a link looks at it and accepts it — signed out, which makes the account, or
// signed in as the invited address, which adds the collaboration.
import { z } from 'zod';
import { AppNameParam, RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { may } from '../apps/access.js';
import { loadApp } from '../apps/load.js';
import { defineRoute, type AuthedContext, type RouteSpec } from '../api/route.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.js';
import { Email, SessionView, UserView } from '../auth/schemas.js';
import { userView } from '../auth/view.js';
import type { Invitation } from '../store/types.js';
import { accept, findPending, invitationView, invite, isPending, INVITE_TTL_MS, type Sent } from './invitations.js';

const Token = z.string().min(1).max(200).describe('The token from the invitation link (after #token=)');

export const InvitationView = z.object({
  id: z.string(),
  email: z.string(),
  role: z
    .enum(['admin', 'developer', 'viewer'])
    .nullable()
    .describe("The role of the account an admin's invitation makes; null for an app"),
  app: z.string().nullable().describe('The app to collaborate on; null for a platform invitation'),
  invitedBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});

/** The answer to every invitation sent: the same shape whoever the address belongs to. */
export const InvitationSent = z.object({
  message: z.string(),
  invitation: InvitationView,
  url: z
    .string()
    .nullable()
    .describe('The link to pass on yourself, when no SMTP server is configured (shown once); null when it was e-mailed'),
});

export function sentView(sent: Sent): z.infer<typeof InvitationSent> {
  const days = INVITE_TTL_MS / 86_400_000;
  return {
    message: sent.url
      ? `Invitation made for ${sent.invitation.email}: pass the link on (it works once, for ${days} days).`
      : `Invitation sent to ${sent.invitation.email} (the link works once, for ${days} days).`,
    invitation: invitationView(sent.invitation) as z.infer<typeof InvitationView>,
    url: sent.url,
  };
}

/**
 * The invitation if the caller may manage it (admins any; whoever administers the app, those to
 * it). Anyone else learns nothing about it, not even that it exists.
 */
async function managedInvitation(ctx: AuthedContext<unknown, unknown>, id: string): Promise<Invitation> {
  const invitation = await ctx.deps.store.invitations.get(id);
  const app = invitation?.app ? await ctx.deps.store.apps.get(invitation.app) : null;
  const allowed = ctx.user.role === 'admin' || (app !== null && (await may(ctx.deps.store, ctx.user, app, 'administer')));
  if (!invitation || !allowed) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such invitation');
  return invitation;
}

export const invitationRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/invitations',
    tag: 'users',
    access: 'admin',
    status: 202,
    audit: 'invitation.create',
    summary:
      'Invite someone to the platform by e-mail with a role (admin); the link makes their account, even while registration is closed',
    body: z.strictObject({ email: Email, role: z.enum(['admin', 'developer', 'viewer']).default('developer') }),
    response: InvitationSent,
    handler: async (ctx) => {
      const email = ctx.body.email.toLowerCase();
      ctx.audit.target = `email:${email}`;
      ctx.audit.details = { role: ctx.body.role };
      const sent = await invite(ctx.deps, ctx.user, { email, role: ctx.body.role, app: null });
      ctx.audit.details = { role: ctx.body.role, invitationId: sent.invitation.id };
      return sentView(sent);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/invitations',
    tag: 'users',
    access: 'admin',
    response: z.array(InvitationView),
    summary: 'Pending invitations, to the platform and to every app (admin)',
    handler: async (ctx) => (await ctx.deps.store.invitations.listPending(ctx.deps.clock())).map(invitationView),
  }),
  defineRoute({
    method: 'get',
    path: '/apps/:name/invitations',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    response: z.array(InvitationView),
    summary: 'Pending invitations to collaborate on an app (owner or admin)',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'administer');
      return (await ctx.deps.store.invitations.listPending(ctx.deps.clock(), app.name)).map(invitationView);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/invitations/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'users',
    access: 'user',
    audit: 'invitation.revoke',
    summary: "Revoke a pending invitation (admins any; an app's owner those to the app); its link stops working",
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `invitation:${id}`;
      const invitation = await managedInvitation(ctx, id);
      ctx.audit.details = { email: invitation.email, app: invitation.app };
      if (!isPending(invitation, ctx.deps.clock()) || !(await ctx.deps.store.invitations.revoke(id, ctx.deps.clock()))) {
        throw new DeployFlowError('DF_ERR_CONFLICT', 'That invitation was already accepted, revoked or has expired');
      }
      return undefined;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/invitations/:id/resend',
    params: z.strictObject({ id: RecordId }),
    tag: 'users',
    access: 'user',
    status: 202,
    audit: 'invitation.resend',
    summary:
      'Send a pending invitation again with a new link (e-mailed, or shown once without SMTP), valid for a week from now; ' +
      'the old link stops working. Whoever may revoke it may resend it, and becomes its sender',
    response: InvitationSent,
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `invitation:${id}`;
      const old = await managedInvitation(ctx, id);
      ctx.audit.details = { email: old.email, app: old.app };
      if (!isPending(old, ctx.deps.clock()))
        throw new DeployFlowError('DF_ERR_CONFLICT', 'That invitation was already accepted, revoked or has expired: invite again');
      // The token is stored only hashed, so the same link cannot be sent twice: a new invitation
      // replaces the old one. It is made first (it may be refused by the rate limit, leaving the
      // old one as it was); if the old one was accepted meanwhile, the new one goes too.
      const sent = await invite(ctx.deps, ctx.user, { email: old.email, role: old.role, app: old.app });
      if (!(await ctx.deps.store.invitations.revoke(old.id, ctx.deps.clock()))) {
        await ctx.deps.store.invitations.revoke(sent.invitation.id, ctx.deps.clock());
        throw new DeployFlowError('DF_ERR_CONFLICT', 'That invitation was accepted or revoked meanwhile');
      }
      ctx.audit.details = { email: old.email, app: old.app, invitationId: sent.invitation.id };
      return sentView(sent);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/invitations/inspect',
    tag: 'auth',
    access: 'public',
    audit: 'invitation.inspect',
    summary: 'What an invitation link offers (the address, the role or the app, who sent it, until when) — for the accept page',
    body: z.strictObject({ token: Token }),
    response: InvitationView.extend({ invitedByEmail: z.string() }),
    handler: async (ctx) => {
      ctx.audit.target = 'invitation';
      const { invitation, inviter } = await findPending(ctx.deps, ctx.body.token);
      ctx.audit.target = `invitation:${invitation.id}`;
      return { ...invitationView(invitation), invitedByEmail: inviter.email };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/invitations/accept',
    tag: 'auth',
    access: 'public',
    audit: 'invitation.accept',
    summary:
      'Accept an invitation: signed out, with a password, it makes the account (and signs it in); signed in as the invited ' +
      'address, it adds you to the app. The link then stops working',
    body: z.strictObject({
      token: Token,
      password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX).optional().describe("Signed out: the new account's password"),
      name: z.string().trim().min(1).max(100).optional(),
    }),
    response: z.object({
      kind: z.enum(['account', 'collaboration']),
      app: z.string().nullable(),
      user: UserView,
      session: SessionView.nullable().describe("The new account's session; null when you were already signed in"),
    }),
    handler: async (ctx) => {
      ctx.audit.target = 'invitation';
      // The route is public so that a new account can accept; a signed-in caller is still known.
      const accepted = await accept(ctx.deps, ctx.body.token, ctx.user, { name: ctx.body.name, password: ctx.body.password });
      ctx.user = accepted.user;
      ctx.audit.target = `user:${accepted.user.id}`;
      ctx.audit.details = { invitationId: accepted.invitationId, kind: accepted.kind, app: accepted.app, email: accepted.user.email };
      const session = accepted.kind === 'account' ? await ctx.deps.tokens.startSession(accepted.user) : null;
      return {
        kind: accepted.kind,
        app: accepted.app,
        user: userView(accepted.user),
        session: session && { user: userView(accepted.user), ...session },
      };
    },
  }),
];
