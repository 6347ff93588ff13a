// The git push endpoint: smart HTTP and SSH in front of per-app bare repos, with hooks that turn
// a push into a deploy whose log streams back as `remote:` lines. Everything it
// needs from the platform (who is who, who may do what, what a push does) is passed in.
import type { Config } from '../common/config/config.js';
import type { Logger } from '../common/log/logger.js';
import { close, listen } from '../common/net/listen.js';
import type { RunningService } from '../common/service.js';
import { AuthFailures, type AuthFailureLimits } from './access/failures.js';
import { GitRunner } from './commands/git-commands.js';
import { requireProcReceive } from './commands/git-version.js';
import { createGitHttpServer } from './http/server.js';
import { HookServer } from './push/hook-server.js';
import { defaultHostKeyPath, loadOrCreateHostKey } from './ssh/host-key.js';
import { createGitSshServer } from './ssh/server.js';
import type { GitAccess, PushHandler } from './types.js';

export type { GitAccess, PushEvent, PushHandler } from './types.js';
export { repoPath, ensureRepo, deleteRepo, repoExists } from './repos/repos.js';
export { parsePublicKey, matchesPublicKey, sameKey } from './ssh/keys.js';
export { defaultHostKeyPath } from './ssh/host-key.js';

export interface GitServiceOptions {
  config: Config;
  log: Logger;
  access: GitAccess;
  onPush: PushHandler;
  hostKeyPath?: string;
  /** Failed sign-ins (HTTP) and unauthenticated SSH connections allowed per address and window (default 30 per 15 minutes). */
  authLimits?: AuthFailureLimits;
}

export type RunningGitService = RunningService & { httpPort: number; sshPort: number };

export async function startGitService(opts: GitServiceOptions): Promise<RunningGitService> {
  const { config, access } = opts;
  const log = opts.log.child({ service: 'git' });
  await requireProcReceive();
  const hostKey = loadOrCreateHostKey(opts.hostKeyPath ?? defaultHostKeyPath(config.dataDir));
  const runner = new GitRunner();
  const hooks = new HookServer(log, opts.onPush, access);
  await hooks.start();
  // One count per address across HTTP and SSH.
  const failures = new AuthFailures(opts.authLimits);
  const httpServer = createGitHttpServer({ config, log, access, hooks, runner, failures });
  const { server: sshServer, disconnectAll } = createGitSshServer({ config, log, access, hooks, runner, hostKey, failures });
  let httpPort: number;
  let sshPort: number;
  try {
    httpPort = await listen(httpServer, config.gitHttpPort, config.bind);
    sshPort = await listen(sshServer, config.gitSshPort, config.bind);
  } catch (err) {
    await Promise.all([close(httpServer), close(sshServer), hooks.stop()]);
    throw err;
  }
  log.info({ httpPort, sshPort }, 'git service listening');
  return {
    name: 'git',
    addresses: [`http://${config.bind}:${httpPort}`, `ssh://${config.bind}:${sshPort}`],
    httpPort,
    sshPort,
    async stop() {
      runner.stopAll();
      httpServer.closeAllConnections();
      disconnectAll();
      await Promise.all([close(httpServer), close(sshServer), hooks.stop()]);
    },
  };
}
