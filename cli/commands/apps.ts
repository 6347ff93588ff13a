// apps, apps:create (adding the `deployflow` git remote inside a checkout; --team for a team's app), apps:info,
// apps:transfer, apps:destroy.
import { stringOption, type Context } from '../context.js';
import { usageError } from '../errors.js';
import { appOfRemoteUrl, git, insideCheckout, REMOTE, remoteUrl } from '../git.js';
import { segment } from '../http.js';
import type { Handlers } from '../handlers.js';
import { formatTime, heading, keyValues, print, printJson, progress, table } from '../output.js';
import { resolveTeam } from './teams.js';

export interface AppView {
  name: string;
  url: string;
  gitUrls: { http: string; ssh: string };
  ownerId: string;
  ownerKind?: 'user' | 'team';
  collaboratorIds: string[];
  replicas: number;
  limits: { memoryMb: number; cpus: number };
  healthcheck: { path: string };
  port: number;
  domains: string[];
  volumes: { name: string; path: string }[];
  deployBranch: string;
  createdAt: number;
  updatedAt: number;
}

/** Points the checkout's `deployflow` remote at the app; returns what was done, for the user. */
async function setRemote(url: string): Promise<string> {
  const current = await remoteUrl();
  if (current === url) return `Git remote ${REMOTE} already points to ${url}`;
  const r = await git(current ? ['remote', 'set-url', REMOTE, url] : ['remote', 'add', REMOTE, url]);
  return r.code === 0 ? `Git remote ${REMOTE} ${current ? 'now points to' : 'added:'} ${url}` : `Could not set the git remote: ${r.stderr}`;
}

export const handlers: Handlers = {
  async apps(ctx: Context) {
    const apps = await ctx.api().get<AppView[]>('/apps');
    if (ctx.json) return printJson(apps);
    if (apps.length === 0) return print('No apps yet: deployflow apps:create NAME');
    print(
      table(
        ['name', 'url', 'replicas', 'created'],
        apps.map((a) => [a.name, a.url, a.replicas, formatTime(a.createdAt)]),
      ),
    );
  },

  async 'apps:create'(ctx: Context) {
    const name = ctx.args[0]!;
    const api = ctx.api();
    const teamRef = stringOption(ctx, 'team');
    const team = teamRef === undefined ? null : await resolveTeam(api, teamRef);
    const app = await progress(team ? `Creating ${name} for the team ${team.name}` : `Creating ${name}`, () =>
      api.post<AppView>('/apps', team ? { name, team: team.id } : { name }),
    );
    const remote = (await insideCheckout()) ? await setRemote(app.gitUrls.http) : null;
    if (ctx.json) return printJson(app);
    print(`${app.url} | ${app.gitUrls.http}`);
    if (remote) print(remote);
  },

  async 'apps:info'(ctx: Context) {
    const app = await ctx.api().get<AppView>(`/apps/${segment(await ctx.app())}`);
    if (ctx.json) return printJson(app);
    print(heading(app.name));
    print(
      keyValues([
        ['URL', app.url],
        ['Git (HTTP)', app.gitUrls.http],
        ['Git (SSH)', app.gitUrls.ssh],
        ['Deploy branch', app.deployBranch],
        ['Replicas', app.replicas],
        ['Memory', `${app.limits.memoryMb} MB`],
        ['CPUs', app.limits.cpus],
        ['Port', app.port],
        ['Health check', app.healthcheck.path],
        ['Domains', app.domains.join(', ')],
        ['Volumes', app.volumes.map((v) => `${v.name}:${v.path}`).join(', ')],
        ['Created', formatTime(app.createdAt)],
      ]),
    );
  },

  async 'apps:transfer'(ctx: Context) {
    const name = await ctx.app();
    const teamRef = stringOption(ctx, 'team');
    const userId = stringOption(ctx, 'user');
    if ((teamRef === undefined) === (userId === undefined)) throw usageError('Give the new owner: --team TEAM or --user USER_ID');
    const api = ctx.api();
    const team = teamRef === undefined ? null : await resolveTeam(api, teamRef);
    const app = await progress(`Giving ${name} to ${team ? `the team ${team.name}` : userId}`, () =>
      api.post<AppView>(`/apps/${segment(name)}/transfer`, team ? { toTeamId: team.id } : { toUserId: userId }),
    );
    if (ctx.json) return printJson(app);
    print(`${name} is now owned by ${team ? `the team ${team.name}` : `the user ${app.ownerId}`}`);
  },

  async 'apps:destroy'(ctx: Context) {
    const name = ctx.args[0] ?? (await ctx.app());
    if (stringOption(ctx, 'confirm') !== name) {
      throw usageError(
        `This deletes ${name}, its containers, routes and repository. To go on: deployflow apps:destroy ${name} --confirm ${name}`,
      );
    }
    await progress(`Destroying ${name}`, () => ctx.api().delete(`/apps/${segment(name)}`));
    // The checkout's remote pointed at the deleted app: it goes too, as with `heroku apps:destroy`.
    const url = await remoteUrl();
    if (url && appOfRemoteUrl(url) === name) await git(['remote', 'remove', REMOTE]);
    if (ctx.json) printJson({ name, destroyed: true });
  },
};
