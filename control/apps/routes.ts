// The apps API: create, list, get, patch, delete, and collaborators.
import { z } from 'zod';
import { AppNameParam, RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseAppName } from '../../common/names/validate.js';
import { defineRoute, type RouteSpec } from '../api/route.js';
import { assertQuota } from '../operations/quota.js';
import { invite } from '../accounts/invitations.js';
import { InvitationSent, sentView } from '../accounts/invitation-routes.js';
import { canCreateApps, visibleApps } from './access.js';
import { loadApp } from './load.js';
import { removeApp } from './remove.js';
import { resolveNewOwner, type NewOwner } from './transfer.js';
import { AppView, checkedSettings, CollaboratorBody, CreateAppBody, DEFAULT_SETTINGS, PatchAppBody } from './schemas.js';
import { appView } from './view.js';
import { republishRoutes } from '../domains/republish.js';

/** Settings the route table carries: changing one republishes the app's routes. */
const ROUTED_KEYS = ['plugins', 'balance', 'httpsRedirect', 'healthcheck'] as const;

export const appRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/apps',
    tag: 'apps',
    access: 'user',
    status: 201,
    audit: 'app.create',
    summary: "Create an app, yours or (with team) a team's",
    body: CreateAppBody,
    response: AppView,
    handler: async (ctx) => {
      const { team, ...settings } = ctx.body;
      const name = parseAppName(settings.name);
      ctx.audit.target = `app:${name}`;
      if (team !== undefined) ctx.audit.details = { team };
      if (!canCreateApps(ctx.user)) throw new DeployFlowError('DF_ERR_FORBIDDEN', 'Viewers may not create apps');
      // Into a team only as one may give it an app: 404 for a team one does not belong to, 403 for a team viewer.
      const owner: NewOwner =
        team === undefined ? { ownerId: ctx.user.id, ownerKind: 'user' } : await resolveNewOwner(ctx.deps, ctx.user, { toTeamId: team });
      const now = ctx.deps.clock();
      // The app quota counts the owner's apps: the team's when a team owns it.
      const quota = ctx.user.role === 'admin' ? Number.MAX_SAFE_INTEGER : ctx.deps.config.appQuotaPerUser;
      const record = {
        ...DEFAULT_SETTINGS,
        ...checkedSettings(settings),
        name,
        ...owner,
        collaboratorIds: [],
        domains: [],
        webhookSecret: null,
        createdAt: now,
        updatedAt: now,
      };
      await assertQuota(ctx.deps, ctx.user, record);
      const app = await ctx.deps.store.apps.create(record, quota);
      // The team was deleted while the app was made (deleting checks it owns none): leave no app without an owner.
      if (owner.ownerKind === 'team' && !(await ctx.deps.store.teams.get(owner.ownerId))) {
        await removeApp(ctx.deps, app);
        throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such team');
      }
      return appView(ctx.deps.config, app);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apps',
    tag: 'apps',
    access: 'user',
    summary: 'List the apps you may see',
    response: z.array(AppView),
    handler: async (ctx) => {
      const apps = await visibleApps(ctx.deps.store, ctx.user);
      return apps.map((app) => appView(ctx.deps.config, app));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apps/:name',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    summary: 'Get one app',
    response: AppView,
    handler: async (ctx) => appView(ctx.deps.config, await loadApp(ctx, 'view')),
  }),
  defineRoute({
    method: 'patch',
    path: '/apps/:name',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    audit: 'app.update',
    summary:
      'Change replicas, limits, health check path, port, volumes, deploy branch or edge settings (sleep, autoscale, plugins, ' +
      'balancing, HTTPS redirect); edge settings reach the gateways at once, without a deploy',
    body: PatchAppBody,
    response: AppView,
    handler: async (ctx) => {
      const current = await loadApp(ctx, 'operate');
      ctx.audit.details = { changed: Object.keys(ctx.body) };
      if (ctx.body.replicas !== undefined || ctx.body.limits) await assertQuota(ctx.deps, ctx.user, current, ctx.body);
      const app = await ctx.deps.store.apps.update(current.name, checkedSettings(ctx.body, current));
      if (!app) throw new DeployFlowError('DF_ERR_APP_NOT_FOUND');
      if (ROUTED_KEYS.some((k) => ctx.body[k] !== undefined)) await republishRoutes(ctx.deps, app);
      ctx.deps.events.emit('app.updated', app);
      return appView(ctx.deps.config, app);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/apps/:name',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    audit: 'app.delete',
    summary: 'Delete an app, its env vars and (once deployed) its containers and routes',
    handler: async (ctx) => {
      await removeApp(ctx.deps, await loadApp(ctx, 'administer'));
      return undefined;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/apps/:name/collaborators',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    summary: "The app's collaborators with their e-mail addresses (owner or admin): each accepted an invitation to that address",
    response: z.array(z.object({ id: z.string(), email: z.string(), name: z.string() })),
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'administer');
      const users = await Promise.all(app.collaboratorIds.map((id) => ctx.deps.store.users.get(id)));
      return users.filter((u) => u !== null).map((u) => ({ id: u.id, email: u.email, name: u.name }));
    },
  }),
  defineRoute({
    method: 'post',
    path: '/apps/:name/collaborators',
    params: z.strictObject({ name: AppNameParam }),
    tag: 'apps',
    access: 'user',
    status: 202,
    audit: 'app.collaborator.add',
    summary:
      'Invite a collaborator by e-mail (owner or admin). The answer is the same whether or not the address has an account: ' +
      'an invitation is e-mailed (or its link returned once without SMTP), and they join when they accept it',
    body: CollaboratorBody,
    response: InvitationSent,
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'administer');
      const email = ctx.body.email.toLowerCase();
      ctx.audit.details = { email };
      // Nothing here looks the address up: an account is found (or made) only when the link is used.
      const sent = await invite(ctx.deps, ctx.user, { email, role: null, app: app.name });
      ctx.audit.details = { email, invitationId: sent.invitation.id };
      return sentView(sent);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/apps/:name/collaborators/:userId',
    params: z.strictObject({ name: AppNameParam, userId: RecordId }),
    tag: 'apps',
    access: 'user',
    audit: 'app.collaborator.remove',
    summary: 'Remove a collaborator (owner or admin)',
    handler: async (ctx) => {
      const app = await loadApp(ctx, 'administer');
      const userId = ctx.params.userId;
      ctx.audit.details = { userId };
      if (!app.collaboratorIds.includes(userId)) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'Not a collaborator of this app');
      const updated = await ctx.deps.store.apps.update(app.name, { collaboratorIds: app.collaboratorIds.filter((id) => id !== userId) });
      // Realtime drops the removed collaborator's rooms now, not at its next periodic recheck.
      if (updated) ctx.deps.events.emit('app.updated', updated);
      return undefined;
    },
  }),
];
