// The one place both transports decide whether a user may run a git service on an app, and get
// the repo path back. A refusal and an unknown app look the same, so existence never leaks.
import type { Config } from '../../common/config/config.js';
import { isAppName } from '../../common/names/validate.js';
import type { GitServiceName } from '../commands/git-commands.js';
import { ensureRepo, repoExists, repoPath } from '../repos/repos.js';
import type { GitAccess } from '../types.js';

export function modeFor(service: GitServiceName): 'read' | 'write' {
  return service === 'receive-pack' ? 'write' : 'read';
}

/** The repo path, or null for "no such repository" (bad name, no access, nothing pushed yet). */
export async function openRepo(
  config: Config,
  access: GitAccess,
  userId: string,
  app: string,
  service: GitServiceName,
): Promise<string | null> {
  if (!isAppName(app)) return null;
  const mode = modeFor(service);
  if (!(await access.mayAccess(userId, app, mode))) return null;
  if (mode === 'write') return ensureRepo(config, app);
  return repoExists(config, app) ? repoPath(config, app) : null;
}
