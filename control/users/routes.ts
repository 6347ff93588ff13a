// Admin: list users, set roles, open or close registration.
import { z } from 'zod';
import { RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { REGISTRATION_SETTING, registrationOpen } from '../auth/registration.js';
import { UserView } from '../auth/schemas.js';
import { userView } from '../auth/view.js';
import { REQUIRE_FOR_ADMINS_SETTING } from '../accounts/second-factor.js';

const Settings = z.object({
  registrationOpen: z.boolean(),
  secondFactorRequiredForAdmins: z
    .boolean()
    .describe('Admins must turn on two-factor sign-in before using a signed-in session (API tokens keep working)'),
});

export const userRoutes: RouteSpec[] = [
  defineRoute({
    method: 'get',
    path: '/users',
    tag: 'users',
    access: 'admin',
    summary: 'All users (admin)',
    response: z.array(UserView),
    handler: async (ctx) => (await ctx.deps.store.users.list()).map(userView),
  }),
  defineRoute({
    method: 'patch',
    path: '/users/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'users',
    access: 'admin',
    audit: 'user.role',
    response: UserView,
    summary: "Change a user's role (admin); the last enabled admin cannot be demoted (409 DF_ERR_LAST_ADMIN)",
    body: z.strictObject({ role: z.enum(['admin', 'developer', 'viewer']) }),
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `user:${id}`;
      ctx.audit.details = { role: ctx.body.role };
      const target = await ctx.deps.store.users.get(id);
      if (!target) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such user');
      if (target.role === 'admin' && ctx.body.role !== 'admin') {
        // Disabled admins do not count: they cannot sign in to administer anything.
        const admins = (await ctx.deps.store.users.list()).filter((u) => u.role === 'admin' && u.disabledAt === null && u.id !== id);
        if (admins.length === 0) throw new DeployFlowError('DF_ERR_LAST_ADMIN');
      }
      const updated = await ctx.deps.store.users.update(id, { role: ctx.body.role });
      if (!updated) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such user');
      return userView(updated);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/settings',
    tag: 'users',
    access: 'admin',
    summary: 'Platform settings (admin)',
    response: Settings,
    handler: async (ctx) => ({
      registrationOpen: await registrationOpen(ctx.deps.store),
      secondFactorRequiredForAdmins: (await ctx.deps.store.settings.get<boolean>(REQUIRE_FOR_ADMINS_SETTING)) === true,
    }),
  }),
  defineRoute({
    method: 'patch',
    path: '/settings',
    tag: 'users',
    access: 'admin',
    audit: 'settings.update',
    response: Settings,
    summary: 'Open or close registration, require two-factor sign-in for admins (admin)',
    body: Settings.partial().strict(),
    handler: async (ctx) => {
      ctx.audit.target = 'settings';
      ctx.audit.details = { ...ctx.body };
      if (ctx.body.registrationOpen !== undefined) await ctx.deps.store.settings.set(REGISTRATION_SETTING, ctx.body.registrationOpen);
      if (ctx.body.secondFactorRequiredForAdmins !== undefined) {
        await ctx.deps.store.settings.set(REQUIRE_FOR_ADMINS_SETTING, ctx.body.secondFactorRequiredForAdmins);
      }
      return {
        registrationOpen: await registrationOpen(ctx.deps.store),
        secondFactorRequiredForAdmins: (await ctx.deps.store.settings.get<boolean>(REQUIRE_FOR_ADMINS_SETTING)) === true,
      };
    },
  }),
];
