// Which build a running step belongs to. The engine's BuildKit puts every RUN step of every build
// in a child of one cgroup parent (`docker/buildkit/<random id>`, whatever `cgroupparent` says),
// so the cgroups alone cannot tell two builds apart. What each build can give its steps without
// touching their cache keys is the proxy environment: `no_proxy` passed as a build argument is set
// in every RUN step's environment (as `no_proxy` and `NO_PROXY`) and left out of the cache key by
// BuildKit. Each build gets a random marker there, a host name under `.invalid` that no proxy
// decision can match; a step is this build's when one of its processes carries the marker.
// A step whose processes carry no DeployFlow marker (its command replaced its own environment, or
// another engine user's build) cannot be told apart: the watchers count it against every build.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** `pending`: the step's container is still starting (`runc init`, no environment of the step yet). */
export type Owner = 'mine' | 'other' | 'unknown' | 'pending';

const MARKER = /(?:^|[\0,])(?:no_proxy|NO_PROXY)=[^\0]*?\.(deployflow-build-[a-f0-9]{32})\.invalid/;

export interface BuildMarker {
  /** The build arguments that set the marker in the steps' environment. */
  buildArgs: Record<string, string>;
  /** Whose a step cgroup (a child of the build cgroup parent, by directory) is. */
  owner(stepDir: string): Promise<Owner>;
}

async function environ(pid: number): Promise<string> {
  return fs.readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
}

async function starting(pid: number): Promise<boolean> {
  return (await fs.readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')).startsWith('runc\0init');
}

/** The marker of one build; `readEnviron` reads a process's environment (tests). */
export function buildMarker(
  readEnviron: (pid: number) => Promise<string> = environ,
  isStarting: (pid: number) => Promise<boolean> = starting,
): BuildMarker {
  const token = `deployflow-build-${randomBytes(16).toString('hex')}`;
  const known = new Map<string, Owner>();
  return {
    buildArgs: { no_proxy: `.${token}.invalid` },
    async owner(stepDir) {
      const name = path.basename(stepDir);
      const decided = known.get(name);
      if (decided) return decided;
      const procs = await fs.readFile(path.join(stepDir, 'cgroup.procs'), 'utf8').catch(() => '');
      const pids = procs
        .split('\n')
        .map((p) => Number.parseInt(p, 10))
        .filter((p) => p > 0)
        // Oldest first, and more than a few: in a fork bomb most processes are gone (or zombies with
        // no readable environment) by the time they are read, while the step's shell still lives;
        // 'unknown' would count the step against every build and stop a neighbour's.
        .sort((a, b) => a - b)
        .slice(0, 128);
      for (const pid of pids) {
        const found = MARKER.exec(await readEnviron(pid))?.[1];
        if (!found) continue;
        const owner: Owner = found === token ? 'mine' : 'other';
        known.set(name, owner);
        return owner;
      }
      // Asked again at the next look: a container still starting has no step environment yet —
      // and runc's init can be several processes for a moment. Counted as 'unknown' then, a step
      // about to fork-bomb was held against a neighbour at the very look its processes multiplied.
      for (const pid of pids) if (!(await isStarting(pid))) return 'unknown';
      return 'pending';
    },
  };
}
