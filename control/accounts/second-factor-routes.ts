// Two-factor sign-in for one's own account: set up (password required), confirm with a first
// code (recovery codes shown once), status, turn off (password and a code required).
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { verifyPassword, PASSWORD_MAX } from '../auth/passwords.js';
import type { AuthedContext } from '../api/route.js';
import { REQUIRE_FOR_ADMINS_SETTING } from './second-factor.js';

const Code = z.string().trim().min(6).max(32).describe('A 6-digit code from the authenticator app, or a recovery code');
const Password = z.string().min(1).max(PASSWORD_MAX);

/** The password check of a sensitive change, counted like a sign-in attempt. */
async function checkPassword(ctx: AuthedContext<unknown, unknown>, password: string): Promise<void> {
  await ctx.deps.loginLimiter.consume(ctx.ip, ctx.user.email);
  if (!(await verifyPassword(ctx.user.passwordHash, password)))
    throw new DeployFlowError('DF_ERR_INVALID_CREDENTIALS', 'The password is wrong');
  await ctx.deps.loginLimiter.recordSuccess(ctx.ip, ctx.user.email);
}

export const secondFactorRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/auth/2fa',
    tag: 'auth',
    access: 'user',
    summary: 'Whether two-factor sign-in is on for you',
    response: z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number(), requiredForAdmins: z.boolean() }),
    handler: async (ctx) => ({
      enabled: await ctx.deps.secondFactors.enabled(ctx.user.id),
      recoveryCodesLeft: await ctx.deps.secondFactors.remaining(ctx.user.id),
      requiredForAdmins: (await ctx.deps.store.settings.get<boolean>(REQUIRE_FOR_ADMINS_SETTING)) === true,
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/auth/2fa/setup',
    tag: 'auth',
    access: 'user',
    audit: 'auth.2fa.setup',
    summary: 'Start two-factor set-up: a new TOTP secret and its otpauth:// URL for the authenticator app (as a QR code)',
    body: z.strictObject({ password: Password }),
    response: z.object({ secret: z.string(), otpauthUrl: z.string() }),
    handler: async (ctx) => {
      ctx.audit.target = `user:${ctx.user.id}`;
      await checkPassword(ctx, ctx.body.password);
      return ctx.deps.secondFactors.begin(ctx.user);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/2fa/confirm',
    tag: 'auth',
    access: 'user',
    audit: 'auth.2fa.enable',
    summary: 'Finish set-up with a first code: sign-in asks for a code from now on; returns 10 recovery codes, shown once',
    body: z.strictObject({ code: Code }),
    response: z.object({ recoveryCodes: z.array(z.string()) }),
    handler: async (ctx) => {
      ctx.audit.target = `user:${ctx.user.id}`;
      await ctx.deps.loginLimiter.consume(ctx.ip, ctx.user.email);
      const recoveryCodes = await ctx.deps.secondFactors.confirm(ctx.user, ctx.body.code);
      await ctx.deps.loginLimiter.recordSuccess(ctx.ip, ctx.user.email);
      return { recoveryCodes };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/2fa/disable',
    tag: 'auth',
    access: 'user',
    audit: 'auth.2fa.disable',
    summary: 'Turn two-factor sign-in off (password and a current code or recovery code required)',
    body: z.strictObject({ password: Password, code: Code }),
    response: z.object({ enabled: z.boolean() }),
    handler: async (ctx) => {
      ctx.audit.target = `user:${ctx.user.id}`;
      await checkPassword(ctx, ctx.body.password);
      await ctx.deps.loginLimiter.consume(ctx.ip, ctx.user.email);
      await ctx.deps.secondFactors.verify(ctx.user, ctx.body.code);
      await ctx.deps.loginLimiter.recordSuccess(ctx.ip, ctx.user.email);
      await ctx.deps.secondFactors.turnOff(ctx.user.id);
      return { enabled: false };
    },
  }),
];
