// Fixtures for the git service tests: a started service on 127.0.0.1 with a fake GitAccess and a
// scriptable PushHandler, a runner for the real git/ssh CLIs with an isolated HOME, and a work
// repo to push from. Everything lives under one temp dir removed by `cleanup`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../common/config/config.js';
import { requireProgram } from './support/programs.js';
import { createLogger } from '../common/log/logger.js';
import type { AuthFailureLimits } from '../git/access/failures.js';
import { matchesPublicKey, startGitService, type PushEvent, type PushHandler, type RunningGitService } from '../git/index.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string; onStderr?: (text: string) => void } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file.includes('/') ? file : requireProgram(file), args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(d.toString());
    });
    child.on('error', reject);
    // A command that exits before reading stdin makes this write fail; its exit code says enough.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

export interface Grant {
  user: string;
  app: string;
  mode: 'read' | 'write';
}

export interface TestGit {
  root: string;
  config: Config;
  service: RunningGitService;
  tokens: Map<string, string>;
  /** OpenSSH public key lines per user id. */
  keys: Map<string, string[]>;
  grants: Grant[];
  /** Deploy branch per app; apps not listed deploy `main` (and `master`). */
  branches: Map<string, string>;
  events: PushEvent[];
  handler: PushHandler;
  /** The env `git` runs with (for tests that spawn git themselves). */
  gitEnv: Record<string, string>;
  /** git with an isolated HOME and no system config, so the developer's settings never leak in. */
  git(args: string[], opts?: { cwd?: string; env?: Record<string, string>; onStderr?: (text: string) => void }): Promise<Run>;
  /** A fresh work repo with one commit; returns its dir and HEAD. */
  workRepo(name: string, files?: Record<string, string>): Promise<{ dir: string; head: string }>;
  httpUrl(app: string, token: string): string;
  cleanup(): Promise<void>;
}

export async function startTestGit(opts: { authLimits?: AuthFailureLimits; tokenLookupMs?: number } = {}): Promise<TestGit> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'df-git-')));
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  const config = loadConfig({
    DEPLOYFLOW_DATA_DIR: path.join(root, 'data'),
    DEPLOYFLOW_BIND: '127.0.0.1',
    GIT_HTTP_PORT: '0',
    GIT_SSH_PORT: '0',
    DEPLOYFLOW_LOG_LEVEL: 'silent',
  });
  const tokens = new Map<string, string>();
  const keys = new Map<string, string[]>();
  const grants: Grant[] = [];
  const branches = new Map<string, string>();
  const events: PushEvent[] = [];
  const t: Partial<TestGit> = { root, config, tokens, keys, grants, branches, events };
  t.handler = async (_event, out) => {
    out('-----> deploying');
    return { ok: true, message: 'done' };
  };
  const service = await startGitService({
    config,
    log: createLogger('git-test', 'silent'),
    access: {
      userForPassword: async (password) => {
        // A store with I/O latency (MongoDB), for races between parallel sign-ins.
        if (opts.tokenLookupMs) await new Promise((r) => setTimeout(r, opts.tokenLookupMs));
        const id = tokens.get(password);
        return id ? { id } : null;
      },
      userForPublicKey: async (type, data) => {
        for (const [id, lines] of keys) if (lines.some((line) => matchesPublicKey(line, type, data))) return { id };
        return null;
      },
      mayAccess: async (user, app, mode) => grants.some((g) => g.user === user && g.app === app && (g.mode === 'write' || mode === 'read')),
      deployBranch: async (app) => branches.get(app) ?? 'main',
    },
    // The platform's handler moves the branch when the version goes live; a scripted handler that
    // does not do it itself gets it done once it resolves ok, as a deploy that went live would.
    onPush: async (event, out) => {
      let published = false;
      const seen = {
        ...event,
        publishRef: async () => {
          published = true;
          await event.publishRef();
        },
      };
      events.push(seen);
      const result = await t.handler!(seen, out);
      if (result.ok && !published) await event.publishRef();
      return result;
    },
    ...(opts.authLimits ? { authLimits: opts.authLimits } : {}),
  });
  const gitEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
  const git = (
    args: string[],
    opts: { cwd?: string; env?: Record<string, string>; onStderr?: (text: string) => void } = {},
  ): Promise<Run> =>
    run('git', ['-c', 'credential.helper=', '-c', 'init.defaultBranch=main', ...args], {
      cwd: opts.cwd ?? root,
      env: { ...gitEnv, ...opts.env },
      ...(opts.onStderr ? { onStderr: opts.onStderr } : {}),
    });
  return Object.assign(t, {
    service,
    git,
    gitEnv,
    async workRepo(name: string, files: Record<string, string> = { 'index.js': 'console.log("hi")\n' }) {
      const dir = path.join(root, 'work', name);
      fs.mkdirSync(dir, { recursive: true });
      for (const [file, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), body);
      for (const args of [
        ['init', '-q'],
        ['add', '-A'],
        ['commit', '-q', '-m', 'first'],
      ]) {
        const r = await git(args, { cwd: dir });
        if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
      }
      return { dir, head: (await git(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim() };
    },
    httpUrl: (app: string, token: string) => `http://user:${token}@127.0.0.1:${service.httpPort}/${app}.git`,
    async cleanup() {
      await service.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  }) as TestGit;
}

/** The `remote:` lines of a git client's stderr, without the prefix. */
export function remoteLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('remote: '))
    .map((l) => l.slice('remote: '.length).trimEnd());
}
