// Docker stats → samples (pure). CPU % as `docker stats` computes it: the container's CPU time
// delta over the host's, times the online CPUs; memory without the reclaimable page cache.
export interface CpuStats {
  /** Missing when the container is stopping or stopped (Docker then sends empty readings). */
  cpu_usage?: { total_usage: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface DockerStats {
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

export interface ReplicaSample {
  replica: string;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
}

export interface MetricsSample extends Omit<ReplicaSample, 'replica'> {
  at: number;
  replicas: ReplicaSample[];
}

/** Whether Docker measured anything: a container that is stopping answers with empty readings. */
export function hasReadings(s: DockerStats): boolean {
  return typeof s.cpu_stats?.cpu_usage?.total_usage === 'number' && s.memory_stats !== undefined;
}

export function cpuPercent(s: DockerStats): number {
  const usage = s.cpu_stats.cpu_usage;
  if (!usage) return 0;
  const cpuDelta = usage.total_usage - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const online = s.cpu_stats.online_cpus || usage.percpu_usage?.length || 1;
  if (cpuDelta <= 0 || systemDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * online * 100;
}

export function memoryBytes(s: DockerStats): number {
  const usage = s.memory_stats.usage ?? 0;
  const st = s.memory_stats.stats ?? {};
  // cgroup v1 reports total_inactive_file, v2 inactive_file; both are reclaimable cache.
  const cache = st.total_inactive_file ?? st.inactive_file ?? 0;
  return Math.max(0, cache < usage ? usage - cache : usage);
}

export function replicaSample(replica: string, s: DockerStats): ReplicaSample {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  return {
    replica,
    cpuPercent: round2(cpuPercent(s)),
    memoryBytes: memoryBytes(s),
    memoryLimitBytes: s.memory_stats.limit ?? 0,
    networkRxBytes: rx,
    networkTxBytes: tx,
  };
}

/** The app's sample: sums over its replicas (CPU % of one CPU each, so 2 busy replicas ≈ 200). */
export function appSample(at: number, replicas: ReplicaSample[]): MetricsSample {
  const sum = (f: (r: ReplicaSample) => number): number => replicas.reduce((a, r) => a + f(r), 0);
  return {
    at,
    cpuPercent: round2(sum((r) => r.cpuPercent)),
    memoryBytes: sum((r) => r.memoryBytes),
    memoryLimitBytes: sum((r) => r.memoryLimitBytes),
    networkRxBytes: sum((r) => r.networkRxBytes),
    networkTxBytes: sum((r) => r.networkTxBytes),
    replicas,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** A bounded, time-limited history: at most `capacity` samples, none older than `maxAgeMs`. */
export class SampleRing<T extends { at: number }> {
  private items: T[] = [];

  constructor(
    private readonly capacity = 720,
    private readonly maxAgeMs = 3_600_000,
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
    const oldest = item.at - this.maxAgeMs;
    while (this.items.length && this.items[0]!.at < oldest) this.items.shift();
  }

  since(at = 0): T[] {
    return this.items.filter((i) => i.at > at);
  }

  get size(): number {
    return this.items.length;
  }
}
