// The git the service runs must know the proc-receive hook (git 2.29, October 2020): an older
// one ignores receive.procReceiveRefs and would move a branch itself, without any deploy.
import { spawn } from 'node:child_process';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { gitChildEnv } from '../../common/git/env.js';

export const MIN_GIT: readonly [number, number] = [2, 29];

/** `[major, minor]` from `git version 2.39.5` (and vendor suffixes after it); null when unreadable. */
export function parseGitVersion(text: string): [number, number] | null {
  const m = /^git version (\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function supportsProcReceive(version: readonly [number, number]): boolean {
  return version[0] > MIN_GIT[0] || (version[0] === MIN_GIT[0] && version[1] >= MIN_GIT[1]);
}

/** Throws DF_ERR_CONFIG unless the `git` on PATH is recent enough. */
export async function requireProcReceive(): Promise<void> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('git', ['version'], { env: gitChildEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.once('error', (err) => reject(new DeployFlowError('DF_ERR_CONFIG', `git could not run: ${err.message}`)));
    child.once('close', () => resolve(text));
  });
  const version = parseGitVersion(out);
  if (!version || !supportsProcReceive(version)) {
    throw new DeployFlowError(
      'DF_ERR_CONFIG',
      `The git service needs git ${MIN_GIT.join('.')} or later (its proc-receive hook); found: ${out.trim() || 'no version'}`,
    );
  }
}
