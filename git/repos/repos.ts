// Per-app bare repositories at <dataDir>/repos/<app>.git. The app name is validated before any
// path is built, and the resolved path is checked to sit directly inside the repos dir, so no
// name can reach another directory even if the validator were loosened one day.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../common/config/config.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { gitChildEnv, ISOLATED_GIT_ENV } from '../../common/git/env.js';
import { parseAppName } from '../../common/names/validate.js';
import { installHook } from './hook.js';

export function reposDir(config: Pick<Config, 'dataDir'>): string {
  return path.resolve(config.dataDir, 'repos');
}

/** The bare repository path for an app; throws DF_ERR_INVALID_APP_NAME / DF_ERR_INVALID_PATH. */
export function repoPath(config: Pick<Config, 'dataDir'>, app: string): string {
  const name = parseAppName(app);
  const root = reposDir(config);
  const full = path.resolve(root, `${name}.git`);
  if (path.dirname(full) !== root || path.basename(full) !== `${name}.git`) {
    throw new DeployFlowError('DF_ERR_INVALID_PATH', undefined, { app: name });
  }
  return full;
}

/** A repo we did not create (a symlink planted in the repos dir) is never followed. */
function assertNotSymlink(full: string): void {
  try {
    if (fs.lstatSync(full).isSymbolicLink()) throw new DeployFlowError('DF_ERR_INVALID_PATH', 'The repository path is a symlink');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function repoExists(config: Pick<Config, 'dataDir'>, app: string): boolean {
  const full = repoPath(config, app);
  assertNotSymlink(full);
  return fs.existsSync(path.join(full, 'HEAD'));
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Not a copy of our environment: it holds control's secrets (common/git/env.ts).
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: gitChildEnv(ISOLATED_GIT_ENV) });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args[0]} exited ${code}: ${stderr.trim()}`))));
  });
}

/**
 * The repo's own config hands every ref update to the proc-receive hook, as the service's command
 * line does: a push straight into the directory (bypassing the service) then reaches the hook
 * too, which refuses it, instead of git moving the ref by itself. Read first: a push pays no
 * extra git run once it is set.
 */
async function ensureProcReceive(full: string): Promise<void> {
  let text = '';
  try {
    text = fs.readFileSync(path.join(full, 'config'), 'utf8');
  } catch {
    /* git writes it at init */
  }
  if (/^\s*procReceiveRefs\s*=\s*refs\s*$/m.test(text)) return;
  await run('git', ['--git-dir', full, 'config', 'receive.procReceiveRefs', 'refs']);
}

/**
 * Creates the bare repo on first use and (re)writes its hook every time, so a hook from an older
 * version or a moved Node binary is replaced before the next push runs it.
 */
export async function ensureRepo(config: Pick<Config, 'dataDir'>, app: string): Promise<string> {
  const full = repoPath(config, app);
  fs.mkdirSync(reposDir(config), { recursive: true, mode: 0o700 });
  assertNotSymlink(full);
  if (!fs.existsSync(path.join(full, 'HEAD'))) {
    // No templates: the sample hooks are noise, and our hook is the only one that should exist.
    await run('git', ['init', '--bare', '--quiet', '--template=', '--initial-branch=main', '--', full]);
  }
  await ensureProcReceive(full);
  installHook(full);
  return full;
}

export async function deleteRepo(config: Pick<Config, 'dataDir'>, app: string): Promise<void> {
  const full = repoPath(config, app);
  assertNotSymlink(full);
  await fs.promises.rm(full, { recursive: true, force: true });
}
