// Resource limits for build steps. The engine's BuildKit runs every RUN step in a container under
// one cgroup parent (`docker/buildkit` with the cgroupfs driver) and, in this engine version,
// ignores a build's memory, CPU and cgroup-parent options — so the limits are written on that
// parent, where the kernel enforces them over all of a build's steps together. Builds take turns
// (the builder's semaphore), so the parent's limits are the running build's limits. The classic
// builder gets the same parent (`cgroupparent`) plus its own per-build memory and CPU options.
//
// The kernel stops a step at the limit (OOM kill, failed fork) but a fork bomb stopped that way
// spins until the deadline, and an OOM-killed process inside a shell pipeline may not fail its
// step: a watcher reads the OOM-kill and fork-failure counters of the parent and of each step's
// cgroup and reports the first breach, and the builder stops the build with a clear line.
import fs from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';

export interface BuildLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
}

export type Breach = 'memory' | 'pids';

export interface BuildCgroup {
  /** The engine's cgroup parent of build steps, `/docker/buildkit`. */
  readonly parent: string;
  /** That parent's directory in the pids hierarchy: each child directory is a running step. */
  readonly stepsDir: string;
  apply(limits: BuildLimits): Promise<void>;
  /**
   * Polls the breach counters; calls `onBreach` once, for the first breach since the start.
   * `stop()` ends the polling and answers a last look (a step killed just before the build ended),
   * with whether the memory limit was reached at all (a step killed by SIGKILL then was OOM-killed:
   * cgroup v1 counts the kill in the step's own cgroup, gone once the step ended).
   */
  watch(onBreach: (b: Breach) => void, intervalMs?: number): { stop(): Promise<{ breach: Breach | null; memoryLimitHit: boolean }> };
}

const CFS_PERIOD_US = 100_000;

async function write(file: string, value: string): Promise<void> {
  await fs.writeFile(file, value);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/** A counter line `name N` of a cgroup stat file; 0 when the file or the line is absent. */
async function counter(file: string, name: string): Promise<number> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number.parseInt(line.slice(name.length + 1), 10) || 0 : 0;
}

/** The directory and its child cgroups (the running steps). */
async function withChildren(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return [dir, ...entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name))];
}

interface Layout {
  memory: string;
  pids: string;
  cpu: string;
  v2: boolean;
}

async function applyV1(l: Layout, limits: BuildLimits): Promise<void> {
  const bytes = String(limits.memoryMb * 1024 * 1024);
  const memsw = path.join(l.memory, 'memory.memsw.limit_in_bytes');
  const hasSwapAccounting = await exists(memsw);
  // memsw must stay ≥ the memory limit: raise it first when growing, lower it last when shrinking.
  try {
    await write(path.join(l.memory, 'memory.limit_in_bytes'), bytes);
    if (hasSwapAccounting) await write(memsw, bytes);
  } catch {
    if (hasSwapAccounting) await write(memsw, bytes);
    await write(path.join(l.memory, 'memory.limit_in_bytes'), bytes);
  }
  await write(path.join(l.pids, 'pids.max'), String(limits.pids));
  await write(path.join(l.cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
  await write(path.join(l.cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))));
}

async function applyV2(l: Layout, limits: BuildLimits): Promise<void> {
  // Controllers must be enabled on the way down for the files to exist.
  await write(path.join(path.dirname(l.memory), 'cgroup.subtree_control'), '+memory +pids +cpu').catch(() => undefined);
  await write(path.join(l.memory, 'memory.max'), String(limits.memoryMb * 1024 * 1024));
  await write(path.join(l.memory, 'memory.swap.max'), '0').catch(() => undefined);
  await write(path.join(l.pids, 'pids.max'), String(limits.pids));
  await write(path.join(l.cpu, 'cpu.max'), `${Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))} ${CFS_PERIOD_US}`);
}

async function number(file: string): Promise<number> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim() === 'max' ? Number.POSITIVE_INFINITY : Number.parseInt(text, 10) || 0;
}

/** Counters that only grow during a build: OOM kills and failed forks, of the parent and each step's cgroup. */
async function breaches(l: Layout): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const dir of await withChildren(l.memory)) {
    seen.set(`memory ${dir}`, await counter(path.join(dir, l.v2 ? 'memory.events' : 'memory.oom_control'), 'oom_kill'));
  }
  for (const dir of await withChildren(l.pids)) seen.set(`pids ${dir}`, await counter(path.join(dir, 'pids.events'), 'max'));
  return seen;
}

/** The parent's high-water marks against its limits (fresh for each build: see `apply`). */
async function atLimit(l: Layout): Promise<{ pidsNow: boolean; pidsPeak: boolean; memory: boolean }> {
  const pidsMax = await number(path.join(l.pids, 'pids.max'));
  const memoryMax = await number(path.join(l.memory, l.v2 ? 'memory.max' : 'memory.limit_in_bytes'));
  const memoryPeak = await number(path.join(l.memory, l.v2 ? 'memory.peak' : 'memory.max_usage_in_bytes'));
  return {
    pidsNow: await number(path.join(l.pids, 'pids.current')) >= pidsMax,
    pidsPeak: await number(path.join(l.pids, 'pids.peak')) >= pidsMax,
    memory: memoryPeak >= memoryMax - 1024 * 1024,
  };
}

/** A fresh parent for each build, so its high-water marks are this build's; kept when a step still runs in it. */
async function renew(l: Layout): Promise<void> {
  for (const dir of new Set([l.memory, l.pids, l.cpu])) {
    await fs.rmdir(dir).catch(() => undefined);
    await fs.mkdir(dir, { recursive: true });
  }
  if (!l.v2) await write(path.join(l.memory, 'memory.max_usage_in_bytes'), '0').catch(() => undefined);
}

/**
 * The build cgroup on this host, or the reason there is none (another cgroup driver, the engine
 * on another host, no permission): the caller reports it in every build log.
 */
export async function openBuildCgroup(docker: Docker, opts: { root?: string; parent?: string } = {}): Promise<BuildCgroup | string> {
  const info = (await docker.info().catch(() => ({}))) as { CgroupDriver?: string; CgroupVersion?: string };
  if (info.CgroupDriver !== 'cgroupfs') return `the engine's cgroup driver is ${info.CgroupDriver ?? 'unknown'}, not cgroupfs`;
  const root = opts.root ?? '/sys/fs/cgroup';
  const parent = opts.parent ?? '/docker/buildkit';
  const v2 = info.CgroupVersion === '2';
  const layout: Layout = v2
    ? { memory: path.join(root, parent), pids: path.join(root, parent), cpu: path.join(root, parent), v2 }
    : { memory: path.join(root, 'memory', parent), pids: path.join(root, 'pids', parent), cpu: path.join(root, 'cpu', parent), v2 };
  try {
    for (const dir of new Set([layout.memory, layout.pids, layout.cpu])) await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    return `the build cgroup ${parent} cannot be created here (${(err as Error).message})`;
  }
  return {
    parent,
    stepsDir: layout.pids,
    async apply(limits) {
      await renew(layout);
      await (v2 ? applyV2(layout, limits) : applyV1(layout, limits));
    },
    watch(onBreach, intervalMs = 200) {
      let stopped = false;
      let found: Breach | null = null;
      let timer: NodeJS.Timeout | undefined;
      const baseline = breaches(layout);
      // A parent that could not be renewed (a step of another build still in it) may carry an old peak.
      const oldPeak = atLimit(layout).then((a) => a.pidsPeak);
      const look = async (): Promise<Breach | null> => {
        const before = await baseline;
        for (const [key, value] of await breaches(layout)) if (value > (before.get(key) ?? 0)) return key.startsWith('memory') ? 'memory' : 'pids';
        // A fork bomb holds the process count at the limit (v1 counts failed forks in the step's cgroup only).
        const now = await atLimit(layout);
        return now.pidsNow || (now.pidsPeak && !await oldPeak) ? 'pids' : null;
      };
      const tick = async (): Promise<void> => {
        const breach = await look();
        if (stopped) return;
        if (breach) {
          found = breach;
          stopped = true;
          onBreach(breach);
          return;
        }
        timer = setTimeout(() => void tick(), intervalMs);
      };
      timer = setTimeout(() => void tick(), intervalMs);
      return {
        async stop() {
          stopped = true;
          clearTimeout(timer);
          const breach = found ?? await look();
          return { breach, memoryLimitHit: (await atLimit(layout)).memory };
        },
      };
    },
  };
}
