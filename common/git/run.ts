// Running git to completion for the platform's own repositories, shared by the builder (trees,
// blobs) and the git service (where a ref points): never a shell, the repository passed as its own
// argument, an allow-listed environment (env.ts).
import { spawn } from 'node:child_process';
import { DeployFlowError } from '../errors/catalogue.js';
import { gitChildEnv, ISOLATED_GIT_ENV } from './env.js';

/**
 * A bare repository, optionally with extra environment: during a pre-receive hook the pushed
 * objects sit in a quarantine folder that git only sees through GIT_OBJECT_DIRECTORY and
 * GIT_ALTERNATE_OBJECT_DIRECTORIES.
 */
export type GitDir = string | { dir: string; env: Record<string, string> };
const dirOf = (repo: GitDir): string => (typeof repo === 'string' ? repo : repo.dir);
// An allow-list, not process.env: control's secrets must not reach git (or a hook it runs).
export const envOf = (repo: GitDir): Record<string, string> =>
  gitChildEnv({ ...ISOLATED_GIT_ENV, ...(typeof repo === 'string' ? {} : repo.env) });

export function gitArgs(repo: GitDir, args: string[]): string[] {
  return ['--git-dir', dirOf(repo), ...args];
}

/** Runs git to completion; stdout as a Buffer, a DF_ERR_* with stderr on failure. */
export function runGit(repo: GitDir, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', gitArgs(repo, args), { env: envOf(repo), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', (e) => reject(new DeployFlowError('DF_ERR_INTERNAL', `git could not run: ${e.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new DeployFlowError('DF_ERR_INVALID_REF', `git ${args[0]} failed: ${err.trim().slice(0, 500)}`));
    });
    // git may exit before reading all input (e.g. a bad object); its exit code tells us why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}
