// Every client command, described as data: its group (the module that runs it, loaded only when
// needed), arguments, options and an example. Help, argument checks, suggestions for a mistyped
// command and shell completion all come from this one table.
export type Group = 'auth' | 'apps' | 'config' | 'ps' | 'logs' | 'releases' | 'domains' | 'access' | 'teams' | 'edge' | 'completion';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `N`. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  group: Group;
  summary: string;
  /** Positional arguments as shown in help, e.g. `KEY=VALUE...`. */
  args?: string;
  minArgs?: number;
  maxArgs?: number;
  /** Acts on one app: -a/--app, else the checkout's `deployflow` remote. */
  app?: boolean;
  options?: Record<string, OptionSpec>;
  example: string;
}

const MANY = Number.POSITIVE_INFINITY;

export const COMMANDS: CommandSpec[] = [
  {
    name: 'login',
    group: 'auth',
    summary: 'Log in (e-mail and password, or an API token) and store an API token',
    options: {
      token: { type: 'string', value: 'TOKEN', description: 'store this API token instead of asking for e-mail and password' },
      url: { type: 'string', value: 'URL', description: 'the platform (default: DEPLOYFLOW_URL, the stored one, http://127.0.0.1:5000)' },
    },
    example: 'deployflow login --url https://paas.example.com',
  },
  { name: 'logout', group: 'auth', summary: 'Forget the stored token (and revoke it if login created it)', example: 'deployflow logout' },
  { name: 'whoami', group: 'auth', summary: 'Show who the token belongs to', example: 'deployflow whoami' },

  { name: 'apps', group: 'apps', summary: 'List the apps you may see', example: 'deployflow apps' },
  {
    name: 'apps:create',
    group: 'apps',
    summary: 'Create an app (and the `deployflow` git remote inside a checkout)',
    args: 'NAME',
    minArgs: 1,
    maxArgs: 1,
    options: { team: { type: 'string', value: 'TEAM', description: 'the team (id or name) that owns the app from the start' } },
    example: 'deployflow apps:create shop --team Platform',
  },
  {
    name: 'apps:transfer',
    group: 'apps',
    summary: 'Give the app to a team or to another user (owner, team admin or admin)',
    app: true,
    options: {
      team: { type: 'string', value: 'TEAM', description: 'a team (id or name) you belong to as admin or developer' },
      user: { type: 'string', value: 'USER_ID', description: 'another user, by id' },
    },
    example: 'deployflow apps:transfer -a shop --team Platform',
  },
  { name: 'apps:info', group: 'apps', summary: "Show an app's settings", app: true, example: 'deployflow apps:info -a shop' },
  {
    name: 'apps:destroy',
    group: 'apps',
    summary: 'Delete an app, its containers, routes and repository',
    args: 'NAME',
    maxArgs: 1,
    app: true,
    options: { confirm: { type: 'string', value: 'NAME', description: 'the app name again: nothing is deleted without it' } },
    example: 'deployflow apps:destroy shop --confirm shop',
  },

  { name: 'config', group: 'config', summary: 'Show the env vars', app: true, example: 'deployflow config -a shop' },
  {
    name: 'config:get',
    group: 'config',
    summary: 'Print one env var',
    args: 'KEY',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow config:get DATABASE_URL',
  },
  {
    name: 'config:set',
    group: 'config',
    summary: 'Set env vars (applied at the next deploy)',
    args: 'KEY=VALUE...',
    minArgs: 1,
    maxArgs: MANY,
    app: true,
    example: 'deployflow config:set NODE_ENV=production LOG_LEVEL=info',
  },
  {
    name: 'config:unset',
    group: 'config',
    summary: 'Remove env vars',
    args: 'KEY...',
    minArgs: 1,
    maxArgs: MANY,
    app: true,
    example: 'deployflow config:unset LOG_LEVEL',
  },

  {
    name: 'ps',
    group: 'ps',
    summary: "The app's state and its containers (replica, state, health)",
    app: true,
    example: 'deployflow ps -a shop',
  },
  {
    name: 'ps:scale',
    group: 'ps',
    summary: 'Run this many healthy replicas',
    args: 'web=N | N',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow ps:scale web=3',
  },
  {
    name: 'ps:restart',
    group: 'ps',
    summary: 'Rolling restart, one health-checked replica at a time',
    app: true,
    example: 'deployflow ps:restart',
  },
  {
    name: 'ps:stop',
    group: 'ps',
    summary: 'Stop the containers (the app answers 503 until ps:start)',
    app: true,
    example: 'deployflow ps:stop',
  },
  { name: 'ps:start', group: 'ps', summary: 'Start a stopped app again', app: true, example: 'deployflow ps:start' },

  {
    name: 'logs',
    group: 'logs',
    summary: "What the app's containers print",
    app: true,
    options: {
      num: { type: 'string', short: 'n', value: 'N', description: 'how many recent lines (default 100)' },
      tail: { type: 'boolean', short: 't', description: 'keep following new lines until Ctrl-C' },
    },
    example: 'deployflow logs --tail -n 20',
  },
  { name: 'releases', group: 'releases', summary: 'Deployments, newest first', app: true, example: 'deployflow releases' },
  {
    name: 'releases:info',
    group: 'releases',
    summary: 'One deployment',
    args: 'ID',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow releases:info 3f2a9c1e',
  },
  {
    name: 'rollback',
    group: 'releases',
    summary: 'Release an earlier deployment again (default: the one before the current)',
    args: '[ID]',
    maxArgs: 1,
    app: true,
    example: 'deployflow rollback 3f2a9c1e',
  },
  {
    name: 'deploy',
    group: 'releases',
    summary: 'Deploy a git URL, a local image, or the running image again; streams the log',
    app: true,
    options: {
      'git-url': { type: 'string', value: 'URL', description: 'http(s) git repository to clone and build' },
      ref: { type: 'string', value: 'REF', description: 'branch, tag or commit of --git-url (default: the deploy branch)' },
      image: { type: 'string', value: 'IMAGE', description: 'a Docker image on the platform to release' },
    },
    example: 'deployflow deploy --git-url https://github.com/me/shop.git --ref v1.2.0',
  },

  { name: 'domains', group: 'domains', summary: "The app's domains", app: true, example: 'deployflow domains' },
  {
    name: 'domains:add',
    group: 'domains',
    summary: 'Route a custom domain to the app (or print the TXT record that proves you own it)',
    args: 'DOMAIN',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow domains:add www.example.com',
  },
  {
    name: 'domains:verify',
    group: 'domains',
    summary: "Look a pending domain's TXT record up now and route the domain when it is there",
    args: 'DOMAIN',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow domains:verify www.example.com',
  },
  {
    name: 'domains:remove',
    group: 'domains',
    summary: 'Stop routing a custom domain, or withdraw a pending one',
    args: 'DOMAIN',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow domains:remove www.example.com',
  },
  {
    name: 'certs:auto',
    group: 'domains',
    summary: "Obtain a certificate for one of the app's domains (ACME)",
    args: 'DOMAIN',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow certs:auto www.example.com',
  },
  { name: 'routes', group: 'domains', summary: 'The route table as the gateways load it', example: 'deployflow routes' },

  { name: 'tokens', group: 'access', summary: 'Your API tokens', example: 'deployflow tokens' },
  {
    name: 'tokens:create',
    group: 'access',
    summary: 'Create an API token (shown once)',
    args: '[NAME]',
    maxArgs: 1,
    example: 'deployflow tokens:create ci',
  },
  {
    name: 'tokens:revoke',
    group: 'access',
    summary: 'Revoke an API token',
    args: 'ID',
    minArgs: 1,
    maxArgs: 1,
    example: 'deployflow tokens:revoke 5d1c…',
  },
  { name: 'keys', group: 'access', summary: 'Your SSH keys (git push over SSH)', example: 'deployflow keys' },
  {
    name: 'keys:add',
    group: 'access',
    summary: 'Add an SSH public key (default ~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub)',
    args: '[FILE]',
    maxArgs: 1,
    example: 'deployflow keys:add ~/.ssh/id_ed25519.pub',
  },
  {
    name: 'keys:remove',
    group: 'access',
    summary: 'Remove an SSH key',
    args: 'ID',
    minArgs: 1,
    maxArgs: 1,
    example: 'deployflow keys:remove 5d1c…',
  },
  { name: 'collaborators', group: 'access', summary: "The app's owner and collaborators", app: true, example: 'deployflow collaborators' },
  {
    name: 'collaborators:add',
    group: 'access',
    summary: 'Invite someone by e-mail to operate the app (they join when they accept)',
    args: 'EMAIL',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow collaborators:add ana@example.com',
  },
  {
    name: 'collaborators:remove',
    group: 'access',
    summary: "Take a collaborator's access to the app away (by e-mail or user id)",
    args: 'EMAIL|USER_ID',
    minArgs: 1,
    maxArgs: 1,
    app: true,
    example: 'deployflow collaborators:remove ana@example.com',
  },

  {
    name: 'teams',
    group: 'teams',
    summary: 'The teams you belong to, with your role',
    options: { all: { type: 'boolean', description: 'every team (admins)' } },
    example: 'deployflow teams',
  },
  {
    name: 'teams:create',
    group: 'teams',
    summary: 'Create a team (you are its admin)',
    args: 'NAME',
    minArgs: 1,
    maxArgs: 1,
    example: 'deployflow teams:create Platform',
  },
  {
    name: 'teams:info',
    group: 'teams',
    summary: "A team's members, roles and apps",
    args: 'TEAM',
    minArgs: 1,
    maxArgs: 1,
    example: 'deployflow teams:info Platform',
  },
  {
    name: 'teams:destroy',
    group: 'teams',
    summary: 'Delete a team that owns no apps (team admins)',
    args: 'TEAM',
    minArgs: 1,
    maxArgs: 1,
    options: { confirm: { type: 'string', value: 'NAME', description: 'the team name again: nothing is deleted without it' } },
    example: 'deployflow teams:destroy Platform --confirm Platform',
  },
  {
    name: 'teams:members:add',
    group: 'teams',
    summary: 'Add a member (or change their role) by e-mail or user id (team admins)',
    args: 'TEAM EMAIL|USER_ID',
    minArgs: 2,
    maxArgs: 2,
    options: { role: { type: 'string', value: 'ROLE', description: 'admin, developer (default) or viewer' } },
    example: 'deployflow teams:members:add Platform ana@example.com --role viewer',
  },
  {
    name: 'teams:members:remove',
    group: 'teams',
    summary: 'Remove a member (team admins), or leave a team yourself',
    args: 'TEAM EMAIL|USER_ID',
    minArgs: 2,
    maxArgs: 2,
    example: 'deployflow teams:members:remove Platform ana@example.com',
  },

  {
    name: 'edge:sleep',
    group: 'edge',
    summary: 'Show or set scale to zero: sleep after SECONDS without a request, wake on the next (off: never)',
    args: '[SECONDS|off]',
    maxArgs: 1,
    app: true,
    example: 'deployflow edge:sleep 900',
  },
  {
    name: 'edge:autoscale',
    group: 'edge',
    summary: 'Show or set request-driven autoscaling (off: a fixed replica count)',
    args: '[off]',
    maxArgs: 1,
    app: true,
    options: {
      min: { type: 'string', value: 'N', description: 'fewest replicas' },
      max: { type: 'string', value: 'N', description: 'most replicas' },
      rps: { type: 'string', value: 'N', description: 'requests per second each replica should carry' },
      inflight: { type: 'string', value: 'N', description: 'requests in flight each replica should carry' },
    },
    example: 'deployflow edge:autoscale --min 1 --max 5 --rps 50',
  },
  {
    name: 'edge:plugins',
    group: 'edge',
    summary: "Show or replace the app's edge plugin chain",
    app: true,
    options: {
      set: { type: 'string', value: 'JSON', description: 'the whole chain: [{"name": "...", "config": {...}}, ...] ([] removes all)' },
    },
    example: 'deployflow edge:plugins --set \'[{"name":"cors","config":{"origins":["https://example.com"]}}]\'',
  },

  {
    name: 'completion',
    group: 'completion',
    summary: 'Print a bash or zsh completion script',
    args: 'bash|zsh',
    minArgs: 1,
    maxArgs: 1,
    example: 'source <(deployflow completion bash)',
  },
];

export const findCommand = (name: string): CommandSpec | undefined => COMMANDS.find((c) => c.name === name);

/** The nearest command to a typo (Levenshtein distance, loaded only on this error path), or null. */
export async function nearestCommand(name: string): Promise<string | null> {
  const { closest, distance } = await import('fastest-levenshtein');
  const best = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}
