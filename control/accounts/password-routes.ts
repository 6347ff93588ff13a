// Passwords over an account's life: change (old password required; every other session ends),
// reset by e-mail (same answer whether or not the address has an account, rate-limited), and
// setting a new password with a reset token (single use; every session ends).
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { hashPassword, verifyPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/passwords.js';
import { Email, SessionView } from '../auth/schemas.js';
import { userView } from '../auth/view.js';
import { createMailer } from '../notifications/deliver.js';
import { issueResetToken, redeemResetToken, resetLink, RESET_TTL_MS } from './reset-tokens.js';

const NewPassword = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);

export const passwordRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/auth/password',
    tag: 'auth',
    access: 'user',
    audit: 'auth.password.change',
    summary: 'Change your password (the current one required); every other session ends, this one continues with the new tokens',
    body: z.strictObject({ currentPassword: z.string().min(1).max(PASSWORD_MAX), newPassword: NewPassword }),
    response: SessionView,
    handler: async (ctx) => {
      ctx.audit.target = `user:${ctx.user.id}`;
      // Counted like a sign-in: a stolen session cannot guess the password at leisure.
      await ctx.deps.loginLimiter.consume(ctx.ip, ctx.user.email);
      if (!(await verifyPassword(ctx.user.passwordHash, ctx.body.currentPassword))) {
        throw new DeployFlowError('DF_ERR_INVALID_CREDENTIALS', 'The current password is wrong');
      }
      await ctx.deps.loginLimiter.recordSuccess(ctx.ip, ctx.user.email);
      const user = await ctx.deps.tokens.endAllSessions(ctx.user, { passwordHash: await hashPassword(ctx.body.newPassword) });
      ctx.deps.events.emit('user.sessions.ended', { id: user.id });
      return { user: userView(user), ...(await ctx.deps.tokens.startSession(user)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/password-reset/request',
    tag: 'auth',
    access: 'public',
    status: 202,
    audit: 'auth.password.reset.request',
    summary: 'E-mail a single-use reset link (valid 30 minutes); the answer is the same whether or not the address has an account',
    body: z.strictObject({ email: Email }),
    response: z.object({ message: z.string() }),
    handler: async (ctx) => {
      const email = ctx.body.email.toLowerCase();
      ctx.audit.target = `email:${email}`;
      await ctx.deps.resetLimiter.consume(ctx.ip, email);
      const answer = { message: 'If that address has an account, a reset link is on its way.' };
      const user = await ctx.deps.store.users.get((await ctx.deps.store.users.getByEmail(email))?.id ?? '');
      const mailer = createMailer(ctx.deps.config);
      if (!user || user.disabledAt !== null || !mailer) {
        if (!mailer)
          ctx.deps.log.warn(
            'password reset asked for, but no SMTP server is configured (DEPLOYFLOW_SMTP_URL): an admin can make a reset link',
          );
        return answer;
      }
      const { token } = await issueResetToken(ctx.deps.store, user.id, ctx.deps.clock());
      const link = resetLink(ctx.deps.config.publicUrl, token);
      // Sent in the background: how long SMTP takes must not tell whether the account exists.
      void mailer
        .send(
          [user.email],
          'Reset your DeployFlow password',
          [
            'Someone (hopefully you) asked to reset the password of your DeployFlow account.',
            `Open this link within ${RESET_TTL_MS / 60_000} minutes to choose a new one; it works once:`,
            '',
            link,
            '',
            'If it was not you, ignore this e-mail: your password stays as it is.',
          ].join('\n'),
        )
        .catch((err: unknown) => ctx.deps.log.warn({ err }, 'password reset e-mail failed'))
        .finally(() => mailer.close());
      return answer;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/password-reset',
    tag: 'auth',
    access: 'public',
    audit: 'auth.password.reset',
    summary: 'Set a new password with a reset token; the token is spent and every session of the account ends',
    body: z.strictObject({ token: z.string().min(1).max(200), newPassword: NewPassword }),
    response: z.object({ message: z.string() }),
    handler: async (ctx) => {
      const userId = await redeemResetToken(ctx.deps.store, ctx.body.token, ctx.deps.clock());
      ctx.audit.target = `user:${userId}`;
      const user = await ctx.deps.store.users.get(userId);
      if (!user || user.disabledAt !== null) throw new DeployFlowError('DF_ERR_RESET_TOKEN_INVALID');
      await ctx.deps.tokens.endAllSessions(user, { passwordHash: await hashPassword(ctx.body.newPassword) });
      ctx.deps.events.emit('user.sessions.ended', { id: user.id });
      return { message: 'Password changed; sign in with the new one.' };
    },
  }),
];
