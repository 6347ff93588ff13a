import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appSample, cpuPercent, hasReadings, memoryBytes, replicaSample, SampleRing, type DockerStats } from './stats.js';

const stats = (over: Partial<DockerStats> = {}): DockerStats => ({
  cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 4 },
  precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
  memory_stats: { usage: 100, limit: 1000, stats: { inactive_file: 30 } },
  networks: { eth0: { rx_bytes: 5, tx_bytes: 7 }, eth1: { rx_bytes: 1, tx_bytes: 1 } },
  ...over,
});

describe('docker stats math', () => {
  it('computes CPU % as cpu_delta / system_delta × online CPUs', () => {
    assert.equal(cpuPercent(stats()), 80); // 2000/10000 × 4 × 100
  });
  it('falls back to the per-CPU list, and to 0 without a delta', () => {
    assert.equal(
      cpuPercent(stats({ cpu_stats: { cpu_usage: { total_usage: 3_000, percpu_usage: [1, 2] }, system_cpu_usage: 20_000 } })),
      40,
    );
    assert.equal(cpuPercent(stats({ precpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000 } })), 0);
  });
  it('tells empty readings (a container stopping) apart, and computes nothing from them without throwing', () => {
    // What Docker Engine answers for a container that stops between the listing and the stats call.
    const stopping = {
      read: '0001-01-01T00:00:00Z',
      cpu_stats: { throttling_data: {} },
      precpu_stats: {},
      memory_stats: {},
    } as unknown as DockerStats;
    assert.equal(hasReadings(stopping), false);
    assert.equal(cpuPercent(stopping), 0);
    assert.equal(hasReadings(stats()), true);
  });
  it('subtracts reclaimable cache from memory (cgroup v1 and v2)', () => {
    assert.equal(memoryBytes(stats()), 70);
    assert.equal(memoryBytes(stats({ memory_stats: { usage: 100, stats: { total_inactive_file: 60 } } })), 40);
    assert.equal(memoryBytes(stats({ memory_stats: {} })), 0);
  });
  it('sums network interfaces and replicas', () => {
    const r = replicaSample('web.1', stats());
    assert.deepEqual([r.networkRxBytes, r.networkTxBytes, r.memoryLimitBytes], [6, 8, 1000]);
    const app = appSample(42, [r, { ...r, replica: 'web.2' }]);
    assert.deepEqual([app.at, app.cpuPercent, app.memoryBytes, app.networkRxBytes, app.replicas.length], [42, 160, 140, 12, 2]);
  });
  it('keeps a bounded ring by count and by age', () => {
    const ring = new SampleRing<{ at: number }>(3, 100);
    for (const at of [1, 2, 3, 4]) ring.push({ at });
    assert.deepEqual(
      ring.since().map((s) => s.at),
      [2, 3, 4],
    );
    ring.push({ at: 150 });
    assert.deepEqual(
      ring.since().map((s) => s.at),
      [150],
    );
    ring.push({ at: 160 });
    assert.deepEqual(
      ring.since(150).map((s) => s.at),
      [160],
    );
  });
});
