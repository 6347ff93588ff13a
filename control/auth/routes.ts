// Register, login, refresh (rotating, with reuse detection), logout, me.
import { z } from 'zod';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { createAccount, registrationOpen } from './registration.js';
import { LoginBody, LogoutBody, RefreshBody, RegisterBody, SessionView, UserView } from './schemas.js';
import { userView } from './view.js';

export const authRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/auth/register',
    tag: 'auth',
    access: 'public',
    status: 201,
    audit: 'auth.register',
    summary: 'Create an account; the first one becomes admin',
    body: RegisterBody,
    response: SessionView,
    handler: async (ctx) => {
      const email = ctx.body.email.toLowerCase();
      ctx.audit.target = `email:${email}`;
      const passwordHash = await hashPassword(ctx.body.password);
      const user = await createAccount(ctx.deps.store, {
        email,
        name: ctx.body.name ?? email.split('@')[0] ?? email,
        passwordHash,
        googleId: null,
      });
      ctx.user = user;
      ctx.audit.target = `user:${user.id}`;
      return { user: userView(user), ...(await ctx.deps.tokens.startSession(user)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    access: 'public',
    audit: 'auth.login',
    summary: 'Sign in with email and password, plus a code when two-factor sign-in is on (rate-limited per account and address)',
    body: LoginBody,
    response: SessionView,
    handler: async (ctx) => {
      const email = ctx.body.email.toLowerCase();
      ctx.audit.target = `email:${email}`;
      // The attempt is counted before the (slow) password check, so parallel guesses cannot all
      // slip past the limit; a failure simply keeps the point.
      await ctx.deps.loginLimiter.consume(ctx.ip, email);
      const user = await ctx.deps.store.users.getByEmail(email);
      if (!(await verifyPassword(user?.passwordHash ?? null, ctx.body.password)) || !user) {
        throw new DeployFlowError('DF_ERR_INVALID_CREDENTIALS');
      }
      if (user.disabledAt !== null) throw new DeployFlowError('DF_ERR_ACCOUNT_DISABLED');
      // The second factor is checked under the same attempt count: a wrong code keeps its point.
      if (await ctx.deps.secondFactors.enabled(user.id)) {
        if (ctx.body.code === undefined) throw new DeployFlowError('DF_ERR_SECOND_FACTOR_REQUIRED');
        ctx.audit.details = { secondFactor: await ctx.deps.secondFactors.verify(user, ctx.body.code) };
      }
      await ctx.deps.loginLimiter.recordSuccess(ctx.ip, email);
      ctx.user = user;
      return { user: userView(user), ...(await ctx.deps.tokens.startSession(user)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/refresh',
    tag: 'auth',
    access: 'public',
    audit: 'auth.refresh',
    summary: 'Exchange a refresh token for a new pair; reusing an old one revokes its family',
    body: RefreshBody,
    response: SessionView,
    handler: async (ctx) => {
      const session = await ctx.deps.tokens.refresh(ctx.body.refreshToken);
      ctx.user = session.user;
      return { user: userView(session.user), accessToken: session.accessToken, refreshToken: session.refreshToken };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/logout',
    tag: 'auth',
    access: 'user',
    audit: 'auth.logout',
    body: LogoutBody,
    summary: 'Revoke the session of the given refresh token, or every session without one',
    handler: async (ctx) => {
      await ctx.deps.tokens.endSessions(ctx.user.id, ctx.body.refreshToken);
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/auth/me',
    tag: 'auth',
    access: 'user',
    summary: 'The signed-in user',
    response: UserView,
    handler: async (ctx) => userView(ctx.user),
  }),
  defineRoute({
    method: 'get',
    path: '/auth/config',
    tag: 'auth',
    access: 'public',
    summary: 'What the sign-in page offers',
    response: z.object({ registrationOpen: z.boolean(), google: z.boolean() }),
    handler: async (ctx) => ({ registrationOpen: await registrationOpen(ctx.deps.store), google: ctx.deps.config.google !== undefined }),
  }),
];
