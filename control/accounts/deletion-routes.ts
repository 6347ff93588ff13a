// Deleting an account (admin): the request says what becomes of the apps the user owns — given to
// a user or a team, or deleted with their containers, certificates and keys. Every credential of
// the account ends first, as a disable does; then the apps are dealt with; then the user goes with
// their tokens, keys, collaborations, team memberships, notifications and second factor. The
// audit log keeps their events under their id and e-mail. The last enabled admin cannot be deleted.
import { z } from 'zod';
import { RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { removeApp } from '../apps/remove.js';
import { resolveNewOwner, transferApp } from '../apps/transfer.js';
import type { ControlDeps } from '../server/deps.js';
import type { User } from '../store/types.js';

const DeleteUserBody = z
  .union([
    z.strictObject({ apps: z.literal('delete').describe('Delete the apps the user owns') }),
    z.strictObject({ apps: z.literal('transfer'), toUserId: z.string().min(1).max(100) }),
    z.strictObject({ apps: z.literal('transfer'), toTeamId: z.string().min(1).max(100) }),
    z.strictObject({}),
  ])
  .describe('What becomes of the apps the user owns; required when they own any');

async function assertNotLastAdmin(deps: ControlDeps, user: User): Promise<void> {
  if (user.role !== 'admin') return;
  const others = (await deps.store.users.list()).filter((u) => u.role === 'admin' && u.disabledAt === null && u.id !== user.id);
  if (others.length === 0) throw new DeployFlowError('DF_ERR_LAST_ADMIN');
}

export const deletionRoutes: RouteSpec[] = [
  defineRoute({
    method: 'delete',
    path: '/users/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'users',
    access: 'admin',
    audit: 'user.delete',
    summary:
      'Delete an account (admin): its credentials end at once; the apps it owns are given to a user or team, or deleted, ' +
      'as the body says (409 lists them when it says nothing); never your own (409 DF_ERR_OWN_ACCOUNT) nor the last enabled ' +
      'admin (409 DF_ERR_LAST_ADMIN)',
    body: DeleteUserBody,
    handler: async (ctx) => {
      const id = ctx.params.id;
      ctx.audit.target = `user:${id}`;
      if (id === ctx.user.id) throw new DeployFlowError('DF_ERR_OWN_ACCOUNT', 'You cannot delete your own account; another admin can');
      const user = await ctx.deps.store.users.get(id);
      if (!user) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such user');
      await assertNotLastAdmin(ctx.deps, user);
      const owned = (await ctx.deps.store.apps.listForUser(id)).filter((a) => a.ownerKind === 'user' && a.ownerId === id);
      const choice = 'apps' in ctx.body ? ctx.body : null;
      ctx.audit.details = { email: user.email, apps: owned.map((a) => a.name), choice };
      if (owned.length > 0 && !choice) {
        throw new DeployFlowError('DF_ERR_CONFLICT', 'The user owns apps: say whether to transfer or delete them', {
          apps: owned.map((a) => a.name),
        });
      }
      const to = choice && choice.apps === 'transfer' ? await resolveNewOwner(ctx.deps, ctx.user, choice) : null;
      if (to?.ownerId === id) throw new DeployFlowError('DF_ERR_VALIDATION', 'Give the apps to someone else than the user being deleted');

      // Nothing of theirs works from here on, while their apps are moved or deleted.
      await ctx.deps.tokens.endAllSessions(user, { disabledAt: user.disabledAt ?? ctx.deps.clock() });
      ctx.deps.events.emit('user.sessions.ended', { id: user.id });
      for (const app of owned) {
        if (to) await transferApp(ctx.deps, ctx.user, app, to);
        else await removeApp(ctx.deps, app);
      }
      await ctx.deps.secondFactors.turnOff(user.id);
      await ctx.deps.store.users.delete(user.id);
      ctx.deps.events.emit('user.sessions.ended', { id: user.id });
      return undefined;
    },
  }),
];
