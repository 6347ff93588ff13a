// Teams: list, create, show, delete, and add or remove members. A team is named on the command
// line by its id or its name (the API speaks ids; names are what people remember).
import { stringOption, type Context } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import type { Api } from '../http.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { formatTime, heading, keyValues, print, printJson, progress, table } from '../output.js';

interface TeamSummary {
  id: string;
  name: string;
  role: 'admin' | 'developer' | 'viewer' | null;
  createdAt: number;
}
interface TeamView extends TeamSummary {
  members: { userId: string; email: string; name: string; role: string; addedAt: number }[];
  apps: string[];
}

const ROLES = ['admin', 'developer', 'viewer'];

/** The team `ref` names, by id or exact name, among the caller's teams (admins: every team). */
export async function resolveTeam(api: Api, ref: string): Promise<TeamSummary> {
  const pick = (teams: TeamSummary[]): TeamSummary | null => {
    const byId = teams.find((t) => t.id === ref);
    if (byId) return byId;
    const named = teams.filter((t) => t.name === ref);
    if (named.length > 1) throw usageError(`Several teams are named ${ref}: give its id (deployflow teams)`);
    return named[0] ?? null;
  };
  const mine = pick(await api.get<TeamSummary[]>('/teams'));
  if (mine) return mine;
  // Platform admins manage teams they are not in; for anyone else this list is refused, and the answer stays "not found".
  const every = await api.get<TeamSummary[]>('/teams?all=true').catch(() => [] as TeamSummary[]);
  const found = pick(every);
  if (!found) throw new CliError('DF_ERR_NOT_FOUND', `No team ${ref} among yours (deployflow teams)`, EXIT.notFound);
  return found;
}

function roleOption(ctx: Context): string {
  const role = stringOption(ctx, 'role') ?? 'developer';
  if (!ROLES.includes(role)) throw usageError(`--role is one of ${ROLES.join(', ')}`);
  return role;
}

export const handlers: Handlers = {
  async teams(ctx: Context) {
    const teams = await ctx.api().get<TeamSummary[]>(ctx.options.all === true ? '/teams?all=true' : '/teams');
    if (ctx.json) return printJson(teams);
    if (teams.length === 0) return print('No teams yet: deployflow teams:create NAME');
    print(
      table(
        ['id', 'name', 'your role', 'created'],
        teams.map((t) => [t.id, t.name, t.role ?? '(admin)', formatTime(t.createdAt)]),
      ),
    );
  },

  async 'teams:create'(ctx: Context) {
    const name = ctx.args[0]!;
    const team = await progress(`Creating team ${name}`, () => ctx.api().post<TeamView>('/teams', { name }));
    if (ctx.json) return printJson(team);
    print(`${team.id}  ${team.name} (you are its admin)`);
  },

  async 'teams:info'(ctx: Context) {
    const api = ctx.api();
    const team = await api.get<TeamView>(`/teams/${segment((await resolveTeam(api, ctx.args[0]!)).id)}`);
    if (ctx.json) return printJson(team);
    print(heading(team.name));
    print(
      keyValues([
        ['Id', team.id],
        ['Your role', team.role ?? '(platform admin)'],
        ['Apps', team.apps.join(', ')],
        ['Created', formatTime(team.createdAt)],
      ]),
    );
    print();
    print(
      table(
        ['email', 'name', 'role', 'user id'],
        team.members.map((m) => [m.email, m.name, m.role, m.userId]),
      ),
    );
  },

  async 'teams:destroy'(ctx: Context) {
    const api = ctx.api();
    const team = await resolveTeam(api, ctx.args[0]!);
    if (stringOption(ctx, 'confirm') !== team.name) {
      throw usageError(`This deletes the team ${team.name}. To go on: deployflow teams:destroy ${ctx.args[0]} --confirm '${team.name}'`);
    }
    await progress(`Deleting team ${team.name}`, () => api.delete(`/teams/${segment(team.id)}`));
    if (ctx.json) printJson({ id: team.id, destroyed: true });
  },

  async 'teams:members:add'(ctx: Context) {
    const api = ctx.api();
    const team = await resolveTeam(api, ctx.args[0]!);
    const who = ctx.args[1]!;
    const role = roleOption(ctx);
    const body = who.includes('@') ? { email: who, role } : { userId: who, role };
    const answer = await progress(`Adding ${who} to ${team.name}`, () => api.post(`/teams/${segment(team.id)}/members`, body));
    if (ctx.json) return printJson(answer);
    // The platform does not say whether an address has an account, and neither does this.
    print(
      who.includes('@')
        ? `If ${who} has an account, it is now a ${role} of ${team.name}; if not, invite them first (an admin: POST /invitations).`
        : `${who} is now a ${role} of ${team.name}.`,
    );
  },

  async 'teams:members:remove'(ctx: Context) {
    const api = ctx.api();
    const ref = await resolveTeam(api, ctx.args[0]!);
    const who = ctx.args[1]!;
    const team = await api.get<TeamView>(`/teams/${segment(ref.id)}`);
    const member = team.members.find((m) => m.userId === who || m.email.toLowerCase() === who.toLowerCase());
    if (!member) throw new CliError('DF_ERR_NOT_FOUND', `${who} is not a member of ${team.name}`, EXIT.notFound);
    await progress(`Removing ${member.email} from ${team.name}`, () =>
      api.delete(`/teams/${segment(team.id)}/members/${segment(member.userId)}`),
    );
    if (ctx.json) printJson({ team: team.id, userId: member.userId, removed: true });
  },
};
