// Resource limits for build steps. The engine's BuildKit runs every RUN step in a container under
// one cgroup parent (`docker/buildkit` with the cgroupfs driver) and, in this engine version,
// ignores a build's memory, CPU and cgroup-parent options — so the limits are written on that
// parent, where the kernel enforces them over all of a build's steps together. Several builds may
// run at once (the builder's semaphore allows DEPLOYFLOW_BUILD_CONCURRENCY; another builder on the
// same engine, a second instance, adds its own): with the steps told apart (attribution.ts) each
// build's steps get its limits on their own cgroups and the parent holds the sum. The classic builder gets the same parent (`cgroupparent`) plus its own
// per-build memory and CPU options.
//
// The kernel stops a step at the limit (OOM kill, failed fork) but a fork bomb stopped that way
// spins until the deadline, and an OOM-killed process inside a shell pipeline may not fail its
// step: a watcher reads the OOM-kill and fork-failure counters of the parent and of each step's
// cgroup and reports the first breach, and the builder stops the build with a clear line.
import fs from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Owner } from './attribution.js';

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
  /**
   * Writes the build's limits on the parent (renewed when empty). `beside`: when another builder's
   * build still runs under it, the parent gets the sum of its limits and these (each build's own
   * steps are then held to their build's limits by the watcher's attribution).
   */
  apply(limits: BuildLimits, opts?: { beside?: boolean }): Promise<void>;
  /**
   * Polls the breach counters; calls `onBreach` once, for the first breach since the start.
   * `stop()` ends the polling and answers a last look (a step killed just before the build ended),
   * with whether the memory limit was reached at all (a step killed by SIGKILL then was OOM-killed:
   * cgroup v1 counts the kill in the step's own cgroup, gone once the step ended).
   */
  watch(
    onBreach: (b: Breach) => void,
    intervalMs?: number,
    steps?: StepAttribution,
  ): { stop(): Promise<{ breach: Breach | null; memoryLimitHit: boolean }> };
}

/**
 * Tells a build's own steps from other builds' (attribution.ts). With it the watcher counts only
 * this build's steps and those no build can be told for, and writes the build's limits on each
 * of its own steps' cgroups, so another build's steps under the shared parent do not stop it.
 */
export interface StepAttribution {
  owner(stepDir: string): Promise<Owner>;
  limits: BuildLimits;
}

const CFS_PERIOD_US = 100_000;

async function write(file: string, value: string): Promise<void> {
  await fs.writeFile(file, value);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
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

/**
 * Counters that only grow during a build: OOM kills and failed forks, of the parent and each step's
 * cgroup — with attribution, of this build's steps and unattributed ones only (the kernel counts
 * a kill in the victim's cgroup and a failed fork in the forking task's, whichever limit was hit).
 */
async function breaches(l: Layout, counted?: Set<string>): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const keep = (dir: string): boolean => !counted || (dir !== l.memory && dir !== l.pids && counted.has(path.basename(dir)));
  for (const dir of (await withChildren(l.memory)).filter(keep)) {
    seen.set(`memory ${dir}`, await counter(path.join(dir, l.v2 ? 'memory.events' : 'memory.oom_control'), 'oom_kill'));
  }
  for (const dir of (await withChildren(l.pids)).filter(keep)) seen.set(`pids ${dir}`, await counter(path.join(dir, 'pids.events'), 'max'));
  return seen;
}

/** The step cgroups (by name) that count for this build: its own and those no build can be told for. */
async function countedSteps(l: Layout, steps: StepAttribution, limited: Set<string>, others: Set<string>): Promise<Set<string>> {
  const counted = new Set<string>();
  for (const dir of (await withChildren(l.pids)).slice(1)) {
    const owner = await steps.owner(dir);
    const name = path.basename(dir);
    // A step not known to be this build's (another build's, still starting, or unattributed) means
    // the parent's counts are not this build's alone: a neighbour's step starting as a fork bomb
    // filled the parent between two looks and stopped this build.
    if (owner === 'mine') others.delete(name);
    else others.add(name);
    if (owner === 'other' || owner === 'pending') continue;
    counted.add(name);
    if (owner === 'mine' && !limited.has(name)) {
      limited.add(name);
      await limitStep(l, name, steps.limits).catch(() => undefined);
    }
  }
  return counted;
}

/** The build's memory and process limits on one of its steps: the kernel holds that step to them whatever the parent allows. */
async function limitStep(l: Layout, name: string, limits: BuildLimits): Promise<void> {
  const bytes = String(limits.memoryMb * 1024 * 1024);
  await write(path.join(l.pids, name, 'pids.max'), String(limits.pids));
  if (l.v2) {
    await write(path.join(l.memory, name, 'memory.max'), bytes);
    return;
  }
  await write(path.join(l.memory, name, 'memory.limit_in_bytes'), bytes);
  await write(path.join(l.memory, name, 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
}

/** Processes of the counted steps right now. */
async function stepProcesses(l: Layout, counted: Set<string>): Promise<number> {
  let sum = 0;
  for (const name of counted) sum += await number(path.join(l.pids, name, 'pids.current'));
  return sum;
}

/** The parent's high-water marks against its limits (fresh for each build: see `apply`). */
async function atLimit(l: Layout): Promise<{ pidsNow: boolean; pidsPeak: boolean; memory: boolean }> {
  const pidsMax = await number(path.join(l.pids, 'pids.max'));
  const memoryMax = await number(path.join(l.memory, l.v2 ? 'memory.max' : 'memory.limit_in_bytes'));
  const memoryPeak = await number(path.join(l.memory, l.v2 ? 'memory.peak' : 'memory.max_usage_in_bytes'));
  return {
    pidsNow: (await number(path.join(l.pids, 'pids.current'))) >= pidsMax,
    pidsPeak: (await number(path.join(l.pids, 'pids.peak'))) >= pidsMax,
    memory: memoryPeak >= memoryMax - 1024 * 1024,
  };
}

/**
 * A fresh parent for each build, so its high-water marks are this build's; kept when a step still
 * runs in it (another builder's build on this engine): answers whether it was kept.
 */
async function renew(l: Layout): Promise<boolean> {
  for (const dir of new Set([l.memory, l.pids, l.cpu])) {
    await fs.rmdir(dir).catch(() => undefined);
    await fs.mkdir(dir, { recursive: true });
  }
  if (!l.v2) await write(path.join(l.memory, 'memory.max_usage_in_bytes'), '0').catch(() => undefined);
  return (await withChildren(l.pids)).length > 1;
}

/** Limits that make room for this build beside the ones already running under the parent: the sum of both. */
async function added(l: Layout, limits: BuildLimits): Promise<BuildLimits> {
  const memory = await number(path.join(l.memory, l.v2 ? 'memory.max' : 'memory.limit_in_bytes'));
  const pids = await number(path.join(l.pids, 'pids.max'));
  const quota = await number(path.join(l.cpu, l.v2 ? 'cpu.max' : 'cpu.cfs_quota_us'));
  const unlimited = (n: number): boolean => !Number.isFinite(n) || n <= 0 || n >= 2 ** 53;
  return {
    memoryMb: unlimited(memory) ? Number.MAX_SAFE_INTEGER / 2 ** 21 : Math.floor(memory / 2 ** 20) + limits.memoryMb,
    pids: unlimited(pids) ? 2 ** 22 : pids + limits.pids,
    cpus: unlimited(quota) ? 1024 : quota / CFS_PERIOD_US + limits.cpus,
  };
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
    async apply(limits, opts = {}) {
      const busy = await renew(layout);
      // Another builder's build still runs under the parent: with its steps held to their own
      // limits, the parent holds both builds together.
      const parentLimits = busy && opts.beside ? await added(layout, limits) : limits;
      await (v2 ? applyV2(layout, parentLimits) : applyV1(layout, parentLimits));
    },
    watch(onBreach, intervalMs = 200, steps) {
      let stopped = false;
      let found: Breach | null = null;
      let timer: NodeJS.Timeout | undefined;
      const limited = new Set<string>();
      const others = new Set<string>();
      // The steps already running belong to other builds or none: only steps started since count with attribution.
      const preexisting = withChildren(layout.pids).then((dirs) => new Set(dirs.slice(1).map((d) => path.basename(d))));
      const counted = async (): Promise<Set<string> | undefined> => {
        if (!steps) return undefined;
        const old = await preexisting;
        const names = await countedSteps(layout, steps, limited, others);
        return new Set([...names].filter((n) => !old.has(n) || limited.has(n)));
      };
      // Alone under the parent (nothing else ran since it was renewed), the parent's own signals are this build's too.
      const alone = async (): Promise<boolean> => (await preexisting).size === 0 && others.size === 0;
      const baseline = counted().then((c) => breaches(layout, c));
      // A parent that could not be renewed (a step of another build still in it) may carry an old peak.
      const oldPeak = atLimit(layout).then((a) => a.pidsPeak);
      const look = async (): Promise<Breach | null> => {
        const before = await baseline;
        const mine = await counted();
        for (const [key, value] of await breaches(layout, mine))
          if (value > (before.get(key) ?? 0)) return key.startsWith('memory') ? 'memory' : 'pids';
        // A fork bomb holds the process count at the limit (v1 counts failed forks in the step's cgroup only).
        if (mine && steps && (await stepProcesses(layout, mine)) >= steps.limits.pids) return 'pids';
        if (mine && !(await alone())) return null;
        const now = await atLimit(layout);
        return now.pidsNow || (now.pidsPeak && !(await oldPeak)) ? 'pids' : null;
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
          const breach = found ?? (await look());
          return { breach, memoryLimitHit: (await atLimit(layout)).memory };
        },
      };
    },
  };
}
