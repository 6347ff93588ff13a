// The disk a build writes while it runs. Nothing in the engine bounds it (overlay2 on ext4 has no
// per-snapshot quota; the image-size check comes after the build), so a `RUN dd …` could fill the
// host's disk first. Every RUN step is a process under the build cgroup; its writable layer is the
// overlay `upperdir` of its root mount and its cache mounts are bind mounts of snapshot `diff`
// directories, both named in /proc/<pid>/mountinfo. The watcher measures those directories (`du`)
// while the build runs, keeps each one's largest size, and reports a breach once their sum passes
// the budget; the builder then cancels the build (BuildKit drops the step and its snapshot).
// A cache mount counts by its growth (it holds earlier builds' files; the per-app cache budget
// bounds those). Polling bounds the overshoot to what a step writes in one interval.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface WritableDir {
  dir: string;
  /** A step's own layer (empty when the step began); otherwise a cache mount that may hold earlier builds' files. */
  fresh: boolean;
  /** Where the step sees it: `/` for its own layer, the target of a cache mount. */
  mountPoint: string;
}

/**
 * Writable snapshot directories of one step process's mountinfo: the upperdir of its overlay root
 * and bind-mounted `overlay2/<id>/diff` dirs (cache mounts). A process whose root is not an overlay
 * yet (`runc init` before the pivot still sees the host's mount table) gives none.
 */
export function writableDirs(mountinfo: string, dockerRoot: string): WritableDir[] {
  const dirs = new Map<string, { fresh: boolean; mountPoint: string }>();
  let overlayRoot = false;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const root = fields[3] ?? '';
    const mountPoint = fields[4] ?? '';
    const options = fields[5] ?? '';
    const [fsType, , superOptions = ''] = right.split(' ');
    if (fsType === 'overlay' && mountPoint === '/') {
      overlayRoot = true;
      const upper = superOptions
        .split(',')
        .find((o) => o.startsWith('upperdir='))
        ?.slice('upperdir='.length);
      if (upper && options.split(',').includes('rw')) dirs.set(upper, { fresh: true, mountPoint });
      continue;
    }
    if (!options.split(',').includes('rw') || fsType === 'overlay') continue;
    // A bind mount's root is the path inside its filesystem: keep the part from overlay2/ on.
    const snapshot = /(?:^|\/)(overlay2\/[A-Za-z0-9]+\/diff)$/.exec(root)?.[1];
    if (snapshot && !dirs.has(path.join(dockerRoot, snapshot))) dirs.set(path.join(dockerRoot, snapshot), { fresh: false, mountPoint });
  }
  return overlayRoot ? [...dirs].map(([dir, d]) => ({ dir, ...d })) : [];
}

/** Bytes a directory tree uses on disk (`du -s -B1 -x`); 0 when it is gone. */
export function diskUsage(dir: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('du', ['-s', '-B1', '-x', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', () => resolve(0));
    child.once('close', () => resolve(Number.parseInt(out, 10) || 0));
  });
}

async function stepPids(cgroupDir: string, counts: (stepDir: string) => Promise<boolean>): Promise<number[]> {
  const entries = await fs.readdir(cgroupDir, { withFileTypes: true }).catch(() => []);
  const pids: number[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    if (!(await counts(path.join(cgroupDir, entry.name)))) continue;
    const procs = await fs.readFile(path.join(cgroupDir, entry.name, 'cgroup.procs'), 'utf8').catch(() => '');
    const first = Number.parseInt(procs, 10);
    if (first > 0) pids.push(first);
  }
  return pids;
}

/** A cache mount a step of this build used: where, by which command, and its largest size seen. */
export interface CacheMountSeen {
  mountPoint: string;
  /** The step's command line, its arguments joined by spaces (as the engine describes the mount). */
  command: string;
  bytes: number;
}

export interface DiskWatch {
  /** Stops polling; answers the largest total seen, in bytes. */
  stop(): Promise<number>;
  /** The cache mounts seen so far, with their measured size (the engine does not measure a cache mount again as it grows). */
  cacheMounts(): CacheMountSeen[];
}

export interface DiskWatchOptions {
  /** The build cgroup parent (one hierarchy's directory): each child is a running step. */
  cgroupDir: string;
  /** The engine's data root (`docker info` DockerRootDir). */
  dockerRoot: string;
  limitBytes: number;
  onBreach(totalBytes: number): void;
  intervalMs?: number;
  /** Measures a directory; default `du`. */
  measure?: (dir: string) => Promise<number>;
  /** A step process's mount table; default /proc/<pid>/mountinfo. */
  mountinfo?: (pid: number) => Promise<string>;
  /** A step process's command line, arguments joined by spaces; default /proc/<pid>/cmdline. */
  cmdline?: (pid: number) => Promise<string>;
  /** Whether a step (its cgroup directory) counts for this build (attribution.ts); default: every step. */
  counts?: (stepDir: string) => Promise<boolean>;
}

async function procCmdline(pid: number): Promise<string> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.replace(/\0$/, '').split('\0').join(' ');
}

export function watchBuildDisk(opts: DiskWatchOptions): DiskWatch {
  const measure = opts.measure ?? diskUsage;
  const readMountinfo = opts.mountinfo ?? ((pid: number) => fs.readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => ''));
  // Per directory: its size when first seen (0 for a step's own layer) and the largest since.
  const baseline = new Map<string, number>();
  const largest = new Map<string, number>();
  const mounts = new Map<string, { mountPoint: string; command: string }>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const total = (): number => [...largest].reduce((sum, [dir, bytes]) => sum + Math.max(0, bytes - (baseline.get(dir) ?? 0)), 0);
  const look = async (): Promise<void> => {
    for (const pid of await stepPids(opts.cgroupDir, opts.counts ?? (async () => true))) {
      const mountinfo = await readMountinfo(pid);
      for (const { dir, fresh, mountPoint } of writableDirs(mountinfo, opts.dockerRoot)) {
        if (!fresh && !mounts.has(dir)) mounts.set(dir, { mountPoint, command: await (opts.cmdline ?? procCmdline)(pid) });
        const bytes = await measure(dir);
        if (!baseline.has(dir)) baseline.set(dir, fresh ? 0 : bytes);
        if (bytes > (largest.get(dir) ?? 0)) largest.set(dir, bytes);
      }
    }
  };
  const tick = (): void => {
    running = look().then(() => {
      if (stopped) return;
      if (total() > opts.limitBytes) {
        stopped = true;
        opts.onBreach(total());
        return;
      }
      timer = setTimeout(tick, opts.intervalMs ?? 500);
    });
  };
  timer = setTimeout(tick, opts.intervalMs ?? 500);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      return total();
    },
    cacheMounts() {
      return [...mounts].map(([dir, m]) => ({ ...m, bytes: largest.get(dir) ?? 0 }));
    },
  };
}
