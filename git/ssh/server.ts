// Git over SSH with the ssh2 package: public-key auth only, one exec per session, and the exec
// string parsed into (service, app) — never run. Output and exit status go back to the client.
import type { Config } from '../../common/config/config.js';
import type { Logger } from '../../common/log/logger.js';
import ssh2 from 'ssh2';
import type { AuthFailures } from '../access/failures.js';
import { openRepo } from '../access/open-repo.js';
import { gitProtocol, gitServiceCommand, type GitRunner } from '../commands/git-commands.js';
import type { HookServer } from '../push/hook-server.js';
import type { GitAccess } from '../types.js';
import { parseSshCommand } from './command.js';
import { sameKey } from './keys.js';

export interface GitSshDeps {
  config: Config;
  log: Logger;
  access: GitAccess;
  hooks: HookServer;
  runner: GitRunner;
  hostKey: Buffer;
  failures: AuthFailures;
}

const AUTH_DEADLINE_MS = 30_000;

function refuse(channel: ssh2.ServerChannel, message: string): void {
  channel.stderr.write(`DeployFlow: ${message}\n`);
  channel.exit(1);
  channel.end();
}

/**
 * The client's key is first looked up (who owns it), then parsed and compared with what it claims
 * to be, and finally its signature over the session is verified — a lookup alone proves nothing.
 */
async function authenticate(deps: GitSshDeps, ctx: ssh2.AuthContext): Promise<string | null> {
  if (ctx.method !== 'publickey') return null;
  const user = await deps.access.userForPublicKey(ctx.key.algo, ctx.key.data);
  if (!user) return null;
  const key = ssh2.utils.parseKey(ctx.key.data);
  if (key instanceof Error || Array.isArray(key)) return null;
  if (!sameKey({ type: key.type, data: key.getPublicSSH() }, { type: ctx.key.algo, data: ctx.key.data })) return null;
  // Without a signature the client only asks "would this key do?"; saying yes logs nobody in.
  if (!ctx.signature) return user.id;
  if (!ctx.blob || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return null;
  return user.id;
}

async function exec(
  deps: GitSshDeps,
  userId: string,
  command: string,
  protocol: string | undefined,
  accept: () => ssh2.ServerChannel | undefined,
): Promise<void> {
  // Accepted before anything is awaited: once the client has sent EOF (stdin from /dev/null),
  // ssh2 no longer hands out the channel, and the answer would be a dropped connection.
  const channel = accept();
  if (!channel) return;
  const parsed = parseSshCommand(command);
  if (!parsed) {
    deps.log.info({ userId, command: command.slice(0, 200) }, 'git ssh: command refused');
    refuse(channel, 'only git push and git fetch of an app repository are allowed here');
    return;
  }
  const repo = await openRepo(deps.config, deps.access, userId, parsed.app, parsed.service);
  if (!repo) {
    refuse(channel, 'repository not found');
    return;
  }
  const push = parsed.service === 'receive-pack' ? deps.hooks.register(parsed.app, userId, repo) : null;
  const child = deps.runner.run(gitServiceCommand(parsed.service, repo, { protocol, env: push?.env ?? {} }));
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.on('error', (err) => {
    deps.log.error({ err }, 'git ssh: cannot run git');
  });
  child.on('close', (code) => {
    push?.release();
    channel.exit(code ?? 1);
    channel.end();
  });
}

function onClient(deps: GitSshDeps, client: ssh2.Connection, address: string): void {
  let userId: string | null = null;
  const deadline = setTimeout(() => {
    if (!userId) client.end();
  }, AUTH_DEADLINE_MS);
  client.on('error', (err) => deps.log.debug({ err }, 'git ssh: client error'));
  client.on('close', () => {
    clearTimeout(deadline);
    // A connection that never signed in counts against its address, as a failed HTTP sign-in does.
    if (!userId) void deps.failures.record(address);
  });
  client.on('authentication', (ctx) => {
    authenticate(deps, ctx).then(
      (id) => {
        if (id && ctx.method === 'publickey' && ctx.signature) userId = id;
        if (id) ctx.accept();
        else ctx.reject(['publickey']);
      },
      (err: unknown) => {
        deps.log.error({ err }, 'git ssh: authentication failed');
        ctx.reject(['publickey']);
      },
    );
  });
  client.on('ready', () => {
    clearTimeout(deadline);
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      let protocol: string | undefined;
      session.on('env', (accept, reject, info) => {
        if (info.key === 'GIT_PROTOCOL' && gitProtocol(info.val)) {
          protocol = gitProtocol(info.val);
          accept?.();
        } else reject?.();
      });
      session.on('pty', (_accept, reject) => reject?.());
      session.on('shell', (accept) => refuse(accept(), 'there is no shell here; use git push'));
      session.on('exec', (accept, _reject, info) => {
        if (!userId) {
          refuse(accept(), 'not authenticated');
          return;
        }
        exec(deps, userId, info.command, protocol, accept).catch((err: unknown) => {
          deps.log.error({ err }, 'git ssh: exec failed');
          client.end();
        });
      });
    });
  });
}

/** The server, and a way to drop every connection so stopping does not wait on idle clients. */
export function createGitSshServer(deps: GitSshDeps): { server: ssh2.Server; disconnectAll: () => void } {
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [deps.hostKey], ident: 'DeployFlow' }, (client, info) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    void deps.failures.blockedFor(info.ip).then((wait) => {
      if (wait === 0) {
        onClient(deps, client, info.ip);
        return;
      }
      deps.log.info({ ip: info.ip }, 'git ssh: address blocked after failed sign-ins');
      client.on('error', () => undefined);
      client.end();
    });
  });
  return {
    server,
    disconnectAll: () => {
      for (const client of clients) client.end();
    },
  };
}
