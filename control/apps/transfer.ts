// Moving an app to another owner: a user, or a team. The app keeps everything it has (containers,
// domains, env, history); only who holds the owner's rights changes, and the receiving owner's
// quotas count it from then on. The previous owner keeps no rights unless they have them otherwise.
import { z } from 'zod';
import { AppNameParam } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { assertQuota } from '../operations/quota.js';
import type { ControlDeps } from '../server/deps.js';
import type { App, OwnerKind, User } from '../store/types.js';
import { canCreateApps } from './access.js';
import { loadApp } from './load.js';
import { AppView } from './schemas.js';
import { appView } from './view.js';

export interface NewOwner {
  ownerId: string;
  ownerKind: OwnerKind;
}

export const TransferBody = z.union([
  z.strictObject({ toUserId: z.string().min(1).max(100) }),
  z.strictObject({ toTeamId: z.string().min(1).max(100) }),
]);

/**
 * Checks that `actor` may give an app to the owner the body names: an enabled user who may own
 * apps, or a team the actor belongs to as admin or developer (platform admins: any team).
 */
export async function resolveNewOwner(deps: ControlDeps, actor: User, body: z.infer<typeof TransferBody>): Promise<NewOwner> {
  if ('toUserId' in body) {
    const user = await deps.store.users.get(body.toUserId);
    if (!user) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such user');
    if (user.disabledAt !== null) throw new DeployFlowError('DF_ERR_ACCOUNT_DISABLED', 'That account is disabled');
    if (!canCreateApps(user)) throw new DeployFlowError('DF_ERR_CONFLICT', 'Viewers may not own apps');
    return { ownerId: user.id, ownerKind: 'user' };
  }
  const team = await deps.store.teams.get(body.toTeamId);
  const role = team ? await deps.store.teams.roleOf(team.id, actor.id) : null;
  if (!team || (role === null && actor.role !== 'admin')) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such team');
  if (role === 'viewer' && actor.role !== 'admin') throw new DeployFlowError('DF_ERR_FORBIDDEN', 'Team viewers may not give the team apps');
  return { ownerId: team.id, ownerKind: 'team' };
}

/** Moves `app` to `to` within the receiving owner's quotas (admins acting are exempt, as everywhere). */
export async function transferApp(deps: ControlDeps, actor: User, app: App, to: NewOwner): Promise<App> {
  const recipient = to.ownerKind === 'user' ? await deps.store.users.get(to.ownerId) : null;
  const exempt = actor.role === 'admin' || recipient?.role === 'admin';
  await assertQuota(deps, actor, { ...app, ...to });
  const moved = await deps.store.apps.transfer(app.name, to, exempt ? Number.MAX_SAFE_INTEGER : deps.config.appQuotaPerUser);
  if (!moved) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
  // A team deleted while the app moved to it: give the app back rather than leave it to nobody.
  if (to.ownerKind === 'team' && !(await deps.store.teams.get(to.ownerId))) {
    await deps.store.apps.transfer(app.name, { ownerId: app.ownerId, ownerKind: app.ownerKind }, Number.MAX_SAFE_INTEGER);
    throw new DeployFlowError('DF_ERR_CONFLICT', 'The team was deleted meanwhile');
  }
  // Sockets of whoever lost access drop the app's rooms now.
  deps.events.emit('app.updated', moved);
  return moved;
}

export const transferRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/apps/:name/transfer',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    audit: 'app.transfer',
    response: AppView,
    summary: 'Give the app to another user or to a team (owner, team admin or admin); into a team you belong to as admin or developer',
    body: TransferBody,
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'administer');
      const to = await resolveNewOwner(ctx.deps, ctx.user, ctx.body);
      ctx.audit.details = { from: { kind: app.ownerKind, id: app.ownerId }, to: { kind: to.ownerKind, id: to.ownerId } };
      return appView(ctx.deps.config, await transferApp(ctx.deps, ctx.user, app, to));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apps/:name/owner',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    summary: 'Who owns the app: a user (their name) or a team (its name); anyone who may see the app',
    response: z.object({ kind: z.enum(['user', 'team']), id: z.string(), name: z.string() }),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'view');
      const owner = app.ownerKind === 'team' ? await ctx.deps.store.teams.get(app.ownerId) : await ctx.deps.store.users.get(app.ownerId);
      return { kind: app.ownerKind, id: app.ownerId, name: owner?.name ?? '' };
    },
  }),
];
