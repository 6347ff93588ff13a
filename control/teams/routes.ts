// The teams API: a named group of users that owns apps together. Any developer creates one (and
// is its first admin); members see it; team admins (and platform admins) rename it, delete it
// once it owns no apps, and add, change and remove members. Adding by e-mail answers the same
// whether or not the address has an account: an address without one adds nobody (invite them).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RecordId } from '../api/params.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { defineRoute, type AuthedContext, type RouteSpec } from '../api/route.js';
import { canCreateApps } from '../apps/access.js';
import type { ControlDeps } from '../server/deps.js';
import { loadManagedTeam, loadTeam, teamApps } from './access.js';
import { memberViews, teamSummary, TeamMemberView, TeamSummary, TeamView } from './view.js';

// A label people read, never a name that reaches Docker, git or DNS: any text without control characters.
const TeamName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'no control or format characters');
const TeamRoleSchema = z.enum(['admin', 'developer', 'viewer']);

const AddMemberBody = z.union([
  z.strictObject({ userId: z.string().min(1).max(100), role: TeamRoleSchema.default('developer') }),
  z.strictObject({ email: z.email().max(320), role: TeamRoleSchema.default('developer') }),
]);

const MemberAccepted = z
  .object({
    accepted: z.literal(true),
    userId: z.string().optional(),
    email: z.string().optional(),
    role: TeamRoleSchema,
  })
  .describe('The same answer for an e-mail whether or not it has an account; only an existing account is added');

/** Sockets watching the team's apps are checked again now (a member left or lost rights), not at their next recheck. */
async function recheckTeamApps(deps: ControlDeps, teamId: string): Promise<void> {
  for (const name of await teamApps(deps.store, teamId)) {
    const app = await deps.store.apps.get(name);
    if (app) deps.events.emit('app.updated', app);
  }
}

function target(ctx: AuthedContext<unknown, unknown, { id: string }>): string {
  const id = ctx.params.id;
  ctx.audit.target = `team:${id}`;
  return id;
}

export const teamRoutes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/teams',
    tag: 'teams',
    access: 'user',
    status: 201,
    audit: 'team.create',
    summary: 'Create a team; you become its first admin (developers and admins)',
    body: z.strictObject({ name: TeamName }),
    response: TeamView,
    handler: async (ctx) => {
      if (!canCreateApps(ctx.user)) throw new DeployFlowError('DF_ERR_FORBIDDEN', 'Viewers may not create teams');
      const now = ctx.deps.clock();
      const team = await ctx.deps.store.teams.create(
        { id: randomUUID(), name: ctx.body.name, createdAt: now, updatedAt: now },
        ctx.user.id,
      );
      ctx.audit.target = `team:${team.id}`;
      ctx.audit.details = { name: team.name };
      return { ...teamSummary(team, 'admin'), members: await memberViews(ctx.deps.store, team.id), apps: [] };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/teams',
    tag: 'teams',
    access: 'user',
    response: z.array(TeamSummary),
    summary: 'The teams you belong to, with your role (admins: all=true lists every team)',
    query: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
    handler: async (ctx) => {
      const mine = await ctx.deps.store.teams.listForUser(ctx.user.id);
      if (ctx.query.all !== 'true') return mine.map(({ team, role }) => teamSummary(team, role));
      if (ctx.user.role !== 'admin') throw new DeployFlowError('DF_ERR_FORBIDDEN', 'Only admins may list every team');
      const roles = new Map(mine.map(({ team, role }) => [team.id, role]));
      return (await ctx.deps.store.teams.list()).map((team) => teamSummary(team, roles.get(team.id) ?? null));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/teams/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'teams',
    access: 'user',
    response: TeamView,
    summary: 'A team with its members and apps (members and admins)',
    handler: async (ctx) => {
      const { team, role } = await loadTeam(ctx.deps.store, ctx.user, ctx.params.id);
      return {
        ...teamSummary(team, role),
        members: await memberViews(ctx.deps.store, team.id),
        apps: await teamApps(ctx.deps.store, team.id),
      };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/teams/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'teams',
    access: 'user',
    audit: 'team.rename',
    response: TeamSummary,
    summary: 'Rename a team (team admins)',
    body: z.strictObject({ name: TeamName }),
    handler: async (ctx) => {
      const { team, role } = await loadManagedTeam(ctx.deps.store, ctx.user, target(ctx));
      ctx.audit.details = { from: team.name, to: ctx.body.name };
      const renamed = await ctx.deps.store.teams.rename(team.id, ctx.body.name, ctx.deps.clock());
      if (!renamed) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such team');
      return teamSummary(renamed, role);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/teams/:id',
    params: z.strictObject({ id: RecordId }),
    tag: 'teams',
    access: 'user',
    audit: 'team.delete',
    summary: 'Delete a team that owns no apps (team admins); 409 names the apps to transfer or delete first',
    handler: async (ctx) => {
      const { team } = await loadManagedTeam(ctx.deps.store, ctx.user, target(ctx));
      ctx.audit.details = { name: team.name };
      const apps = await teamApps(ctx.deps.store, team.id);
      if (apps.length > 0)
        throw new DeployFlowError('DF_ERR_CONFLICT', 'The team still owns apps: transfer or delete them first', { apps });
      await ctx.deps.store.teams.delete(team.id);
      return undefined;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/teams/:id/members',
    params: z.strictObject({ id: RecordId }),
    tag: 'teams',
    access: 'user',
    status: 202,
    audit: 'team.member.add',
    summary:
      'Add a member by user id or e-mail with a role (team admins); an e-mail gets the same answer whether or not it has an ' +
      'account, and one without an account adds nobody',
    body: AddMemberBody,
    response: MemberAccepted,
    handler: async (ctx) => {
      const { team } = await loadManagedTeam(ctx.deps.store, ctx.user, target(ctx));
      const { role } = ctx.body;
      if ('userId' in ctx.body) {
        ctx.audit.details = { userId: ctx.body.userId, role };
        const user = await ctx.deps.store.users.get(ctx.body.userId);
        if (!user) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'No such user');
        await ctx.deps.store.teams.setMember(team.id, user.id, role, ctx.deps.clock());
        await recheckTeamApps(ctx.deps, team.id);
        return { accepted: true, userId: user.id, role };
      }
      const email = ctx.body.email.toLowerCase();
      // The audit entry, which the caller may read back, says no more than the answer does.
      ctx.audit.details = { email, role };
      const user = await ctx.deps.store.users.getByEmail(email);
      if (user) {
        await ctx.deps.store.teams.setMember(team.id, user.id, role, ctx.deps.clock());
        await recheckTeamApps(ctx.deps, team.id);
      }
      return { accepted: true, email, role };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/teams/:id/members/:userId',
    params: z.strictObject({ id: RecordId, userId: RecordId }),
    tag: 'teams',
    access: 'user',
    audit: 'team.member.role',
    response: TeamMemberView,
    summary: "Change a member's role (team admins); the team's last admin keeps the role",
    body: z.strictObject({ role: TeamRoleSchema }),
    handler: async (ctx) => {
      const { team } = await loadManagedTeam(ctx.deps.store, ctx.user, target(ctx));
      const userId = ctx.params.userId;
      ctx.audit.details = { userId, role: ctx.body.role };
      if ((await ctx.deps.store.teams.roleOf(team.id, userId)) === null)
        throw new DeployFlowError('DF_ERR_NOT_FOUND', 'Not a member of this team');
      await ctx.deps.store.teams.setMember(team.id, userId, ctx.body.role, ctx.deps.clock());
      await recheckTeamApps(ctx.deps, team.id);
      const view = (await memberViews(ctx.deps.store, team.id)).find((m) => m.userId === userId);
      if (!view) throw new DeployFlowError('DF_ERR_NOT_FOUND', 'Not a member of this team');
      return view;
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/teams/:id/members/:userId',
    params: z.strictObject({ id: RecordId, userId: RecordId }),
    tag: 'teams',
    access: 'user',
    audit: 'team.member.remove',
    summary: 'Remove a member (team admins), or leave a team yourself; the last admin stays',
    handler: async (ctx) => {
      const id = target(ctx);
      const userId = ctx.params.userId;
      ctx.audit.details = { userId };
      const { team } =
        userId === ctx.user.id ? await loadTeam(ctx.deps.store, ctx.user, id) : await loadManagedTeam(ctx.deps.store, ctx.user, id);
      if (!(await ctx.deps.store.teams.removeMember(team.id, userId)))
        throw new DeployFlowError('DF_ERR_NOT_FOUND', 'Not a member of this team');
      await recheckTeamApps(ctx.deps, team.id);
      return undefined;
    },
  }),
];
