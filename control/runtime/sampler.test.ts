import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { createLogger } from '../../common/log/logger.js';
import { DockerRuntime } from '../app-runtime/docker.js';
import { MetricsSampler } from './sampler.js';

const readings = {
  cpu_stats: { cpu_usage: { total_usage: 2 }, system_cpu_usage: 20, online_cpus: 1 },
  precpu_stats: { cpu_usage: { total_usage: 1 }, system_cpu_usage: 10 },
  memory_stats: { usage: 64, limit: 128 },
};
// What Docker Engine answers for a container that stops between the listing and the stats call.
const stopping = { read: '0001-01-01T00:00:00Z', cpu_stats: { throttling_data: {} }, precpu_stats: {}, memory_stats: {} };

describe('metrics sampler', () => {
  it('leaves out a replica that is stopping and keeps every other sample of the round', async () => {
    const containers = [
      { Id: 'a1', Names: ['/shop.d1.1'], Labels: { 'deployflow.app': 'shop' } },
      { Id: 'a2', Names: ['/shop.d1.2'], Labels: { 'deployflow.app': 'shop' } },
      { Id: 'b1', Names: ['/blog.d1.1'], Labels: { 'deployflow.app': 'blog' } },
    ];
    const docker = {
      listContainers: async () => containers,
      getContainer: (id: string) => ({ stats: async () => (id === 'a2' ? stopping : readings) }),
    } as unknown as Docker;
    const sampler = new MetricsSampler({
      runtime: new DockerRuntime(docker),
      log: createLogger('test', 'silent'),
      clock: () => 1000,
      labels: {},
      events: new EventEmitter(),
      intervalMs: 0,
    });
    await sampler.tick();
    assert.deepEqual(
      sampler.samples('shop').map((s) => s.replicas.map((r) => r.replica)),
      [['shop.d1.1']],
    );
    assert.equal(sampler.samples('shop')[0]!.cpuPercent, 10);
    assert.equal(sampler.samples('blog').length, 1);
  });

  it('records an app asleep with no replicas and zero figures, and one still running (waking) as measured', async () => {
    const containers = [{ Id: 'b1', Names: ['/blog.d1.1'], Labels: { 'deployflow.app': 'blog' } }];
    const docker = {
      listContainers: async () => containers,
      getContainer: () => ({ stats: async () => readings }),
    } as unknown as Docker;
    let asleep: () => Promise<string[]> = async () => ['shop', 'blog'];
    const sampler = new MetricsSampler({
      runtime: new DockerRuntime(docker),
      log: createLogger('test', 'silent'),
      clock: () => 2000,
      labels: {},
      events: new EventEmitter(),
      intervalMs: 0,
      asleep: () => asleep(),
    });
    await sampler.tick();
    assert.deepEqual(sampler.samples('shop'), [
      { at: 2000, cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: 0, networkRxBytes: 0, networkTxBytes: 0, replicas: [] },
    ]);
    assert.deepEqual(
      sampler.samples('blog').map((s) => [s.replicas.length, s.memoryBytes]),
      [[1, 64]],
      'a replica a wake already started is measured',
    );
    asleep = async () => {
      throw new Error('store down');
    };
    await sampler.tick();
    assert.equal(sampler.samples('shop').length, 1, 'no sleep states: nothing recorded for the sleeping app');
    assert.equal(sampler.samples('blog').length, 2, 'what runs is still measured');
  });
});
