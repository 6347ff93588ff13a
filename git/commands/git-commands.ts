// The two git programs the service runs, as data ([file, args, env]) built by a pure function,
// and one runner that tracks the children so stopping the service stops them too.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { gitChildEnv } from '../../common/git/env.js';

export type GitServiceName = 'upload-pack' | 'receive-pack';

export interface GitCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

export function parseServiceName(value: string | null | undefined): GitServiceName | null {
  if (value === 'git-upload-pack') return 'upload-pack';
  if (value === 'git-receive-pack') return 'receive-pack';
  return null;
}

/** The client's protocol wish (`version=2`), passed on only when it looks like one. */
export function gitProtocol(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9=:._-]{1,64}$/.test(value) ? value : undefined;
}

/** 1 GiB: far above any source tree, far below a disk-filling push. */
export const MAX_PUSH_BYTES = 1024 * 1024 * 1024;

export function gitServiceCommand(
  service: GitServiceName,
  repo: string,
  opts: {
    statelessRpc?: boolean;
    advertiseRefs?: boolean;
    protocol?: string | undefined;
    env?: Record<string, string>;
  } = {},
): GitCommand {
  // -c on the command line beats any system or user config: our hooks always run, deletions are
  // refused by git itself too, and objects are checked before they are accepted. Every ref
  // update goes to our proc-receive hook (git/repos/hook.ts; `refs` matches refs/<anything>),
  // which moves a deploying branch when its version goes live, so git holds no lock while a
  // push deploys.
  const args = [
    '-c',
    `core.hooksPath=${path.join(repo, 'hooks')}`,
    '-c',
    'receive.procReceiveRefs=refs',
    '-c',
    'receive.denyDeletes=true',
    '-c',
    'receive.fsckObjects=true',
    // A push larger than this is refused by git before anything is stored (a full disk would
    // take every app down with it).
    '-c',
    `receive.maxInputSize=${MAX_PUSH_BYTES}`,
    service,
  ];
  if (opts.statelessRpc) args.push('--stateless-rpc');
  if (opts.advertiseRefs) args.push('--advertise-refs');
  args.push('--', repo);
  // Only PATH, HOME and LANG from the service's env: git must not inherit GIT_DIR or friends
  // from a developer's shell, and the service's own secrets have no business in a git child.
  const env = gitChildEnv(opts.env);
  if (opts.protocol) env.GIT_PROTOCOL = opts.protocol;
  return { file: 'git', args, env };
}

export class GitRunner {
  private readonly children = new Set<ChildProcessWithoutNullStreams>();

  run(cmd: GitCommand): ChildProcessWithoutNullStreams {
    const child = spawn(cmd.file, cmd.args, { env: cmd.env, stdio: 'pipe' });
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    // A client that hangs up makes writes to stdin fail with EPIPE; the exit code tells the story.
    child.stdin.on('error', () => undefined);
    return child;
  }

  stopAll(): void {
    for (const child of this.children) child.kill('SIGTERM');
  }
}
