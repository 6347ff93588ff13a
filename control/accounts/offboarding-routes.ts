// Admin side of an account's life: disable (every credential refused at once — sessions, refresh
// and API tokens, SSH keys, open sockets, a waiting git push), enable again, and a one-time
// password reset link for platforms without e-mail. The last enabled admin cannot be disabled,
// and nobody disables themselves.
import { z } from 'zod';
import { RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { UserView } from '../auth/schemas.js';
import { userView } from '../auth/view.js';
import type { ControlDeps } from '../server/deps.js';
import type { User } from '../store/types.js';
import { issueResetToken, resetLink } from './reset-tokens.js';

async function target(deps: ControlDeps, id: string): Promise<User> {
  const user = await deps.store.users.get(id);
  if (!user) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such user');
  return user;
}

export const offboardingRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/users/:id/disable',
    params: z.strictObject({ id: RecordId }),
    tag: 'users',
    access: 'admin',
    audit: 'user.disable',
    response: UserView,
    summary:
      'Disable an account (admin): its sessions, refresh and API tokens, SSH keys and open sockets stop working at once; ' +
      'never your own (409 DF_ERR_OWN_ACCOUNT) nor the last enabled admin (409 DF_ERR_LAST_ADMIN)',
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `user:${id}`;
      if (id === ctx.user.id) throw new DeployFlowError('DF_ERR_OWN_ACCOUNT', 'You cannot disable your own account; another admin can');
      const user = await target(ctx.deps, id);
      ctx.audit.details = { email: user.email };
      if (user.disabledAt !== null) return userView(user);
      if (user.role === 'admin') {
        const admins = (await ctx.deps.store.users.list()).filter((u) => u.role === 'admin' && u.disabledAt === null);
        if (admins.length <= 1) throw new DeployFlowError('DF_ERR_LAST_ADMIN');
      }
      const updated = await ctx.deps.tokens.endAllSessions(user, { disabledAt: ctx.deps.clock() });
      ctx.deps.events.emit('user.sessions.ended', { id: user.id });
      return userView(updated);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/users/:id/enable',
    params: z.strictObject({ id: RecordId }),
    tag: 'users',
    access: 'admin',
    audit: 'user.enable',
    response: UserView,
    summary: 'Enable a disabled account again (admin); it signs in afresh (its API tokens and SSH keys work again)',
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `user:${id}`;
      const user = await target(ctx.deps, id);
      const updated = user.disabledAt === null ? user : await ctx.deps.store.users.update(id, { disabledAt: null });
      return userView(updated ?? user);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/users/:id/password-reset-link',
    params: z.strictObject({ id: RecordId }),
    tag: 'users',
    access: 'admin',
    status: 201,
    audit: 'user.password.reset.link',
    summary: 'Make a single-use password reset link for a user (admin; shown once, valid 30 minutes) — for platforms without SMTP',
    response: z.object({ url: z.string(), expiresAt: z.number() }),
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `user:${id}`;
      const user = await target(ctx.deps, id);
      if (user.disabledAt !== null) throw new DeployFlowError('DF_ERR_ACCOUNT_DISABLED', 'Enable the account first');
      const { token, expiresAt } = await issueResetToken(ctx.deps.store, user.id, ctx.deps.clock());
      return { url: resetLink(ctx.deps.config.publicUrl, token), expiresAt };
    },
  }),
];
