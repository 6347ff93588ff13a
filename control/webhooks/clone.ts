// Fetching the pushed commit of a remote repository into a fresh temp dir. git runs as data
// (`[file, args]`) with `--` before the URL, only http(s) allowed as transport, no redirects
// (a redirect could lead to a private address), the resolved addresses pinned, no config from
// the host (an `insteadOf` rule could turn https into file://), no prompts, and a time limit.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { CommitSha, GitRef } from '../../common/names/validate.js';
import type { DeploySource } from '../deploy/engine.js';
import type { CloneTarget } from './clone-url.js';

export const CLONE_TIMEOUT_MS = 120_000;

export interface GitInvocation {
  file: 'git';
  args: string[];
}

/** `-c` settings every remote git command runs with. */
export function safetyConfig(target: CloneTarget): string[] {
  const settings = [
    'protocol.allow=never',
    'protocol.http.allow=always',
    'protocol.https.allow=always',
    'http.followRedirects=false',
    'credential.helper=',
    'core.hooksPath=/dev/null',
    ...(target.pin ? [`http.curloptResolve=${target.pin}`] : []),
  ];
  return settings.flatMap((s) => ['-c', s]);
}

export function cloneCommand(target: CloneTarget, branch: GitRef, dir: string): GitInvocation {
  return {
    file: 'git',
    args: [
      ...safetyConfig(target),
      'clone',
      '--quiet',
      '--depth',
      '1',
      '--branch',
      branch,
      '--no-tags',
      '--single-branch',
      '--',
      target.url,
      dir,
    ],
  };
}

export function fetchCommitCommand(target: CloneTarget, dir: string, commit: CommitSha): GitInvocation {
  return {
    file: 'git',
    args: ['-C', dir, ...safetyConfig(target), 'fetch', '--quiet', '--depth', '1', '--no-tags', '--', 'origin', commit],
  };
}

function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ASKPASS: '/bin/false',
    GIT_LFS_SKIP_SMUDGE: '1',
  };
}

function run(cmd: GitInvocation, home: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.file, cmd.args, {
      env: gitEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 65536) out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 65536) err += d.toString();
    });
    child.once('error', (e) => reject(new DeployFlowError('DF_ERR_INTERNAL', `git could not run: ${e.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else if (signal)
        reject(
          new DeployFlowError(
            'DF_ERR_CLONE_FAILED',
            `git ${cmd.args.find((a) => a === 'clone' || a === 'fetch')} took too long and was stopped`,
          ),
        );
      else reject(new DeployFlowError('DF_ERR_CLONE_FAILED', `The repository could not be cloned: ${lastLine(err)}`));
    });
  });
}

/** git's last complaint, for the error; never the URL's full text beyond what the user sent. */
function lastLine(stderr: string): string {
  return stderr.trim().split('\n').at(-1)?.slice(0, 300) ?? 'unknown error';
}

export interface Clone {
  /** The checked-out tree (no .git contents are built: the builder skips `.git`). */
  dir: string;
  commit: string;
  remove(): Promise<void>;
}

/** Clones `branch` and, when given, makes sure `commit` is what is checked out. */
export async function cloneRepository(
  target: CloneTarget,
  branch: GitRef,
  commit: CommitSha | null,
  timeoutMs = CLONE_TIMEOUT_MS,
): Promise<Clone> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'df-webhook-'));
  const remove = (): Promise<void> => fs.rm(root, { recursive: true, force: true });
  const dir = path.join(root, 'src');
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1000, deadline - Date.now());
  try {
    await run(cloneCommand(target, branch, dir), root, left());
    let head = (await run({ file: 'git', args: ['-C', dir, 'rev-parse', 'HEAD'] }, root, left())).trim();
    if (commit && head !== commit) {
      // The branch moved on after this push: build what was pushed, as the webhook announced.
      await run(fetchCommitCommand(target, dir, commit), root, left());
      await run(
        { file: 'git', args: ['-C', dir, '-c', 'core.hooksPath=/dev/null', 'checkout', '--quiet', '--detach', commit] },
        root,
        left(),
      );
      head = (await run({ file: 'git', args: ['-C', dir, 'rev-parse', 'HEAD'] }, root, left())).trim();
      if (head !== commit) throw new DeployFlowError('DF_ERR_CLONE_FAILED', `Commit ${commit} was not found in the repository`);
    }
    return { dir, commit: head, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * A deploy source that clones `branch` of `target` (then `commit`, when given) as the
 * deployment's first step: the caller gets its answer at once, and a clone that fails shows as a
 * failed deployment with git's reason. Shared by webhooks and `POST /apps/:name/deployments {gitUrl}`.
 */
export function cloneSource(target: CloneTarget, branch: GitRef, commit: CommitSha | null): DeploySource {
  return {
    kind: 'prepare',
    prepare: async (log) => {
      log(`-----> Cloning ${target.url} (${branch}${commit ? ` at ${commit.slice(0, 12)}` : ''})`);
      const clone = await cloneRepository(target, branch, commit);
      return { spec: { kind: 'dir', dir: clone.dir }, commit: clone.commit, cleanup: clone.remove };
    },
  };
}
