// The SSH exec command, parsed rather than run: only `git-receive-pack '<app>.git'` and
// `git-upload-pack '<app>.git'` (optional leading slash, optional quotes, optional .git) pass.
// Everything else — shells, `;`, traversal, other programs — is refused here.
import { isAppName, type AppName } from '../../common/names/validate.js';
import type { GitServiceName } from '../commands/git-commands.js';

export interface SshGitCommand {
  service: GitServiceName;
  app: AppName;
}

const COMMAND = /^git-(upload-pack|receive-pack) (?:'([^']*)'|"([^"]*)"|([^'"\s]+))$/;
const REPO = /^\/?([a-z0-9-]+?)(?:\.git)?\/?$/;

export function parseSshCommand(command: string): SshGitCommand | null {
  if (command.length > 300) return null;
  const match = COMMAND.exec(command);
  if (!match) return null;
  const repo = REPO.exec(match[2] ?? match[3] ?? match[4] ?? '');
  if (!repo || !isAppName(repo[1])) return null;
  return { service: match[1] === 'receive-pack' ? 'receive-pack' : 'upload-pack', app: repo[1] };
}
