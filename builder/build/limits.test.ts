// The build cgroup on a fake cgroup tree (a temp folder laid out like /sys/fs/cgroup): the limit
// files written for v1 and v2, and the watcher's breaches — an OOM kill in a step's cgroup, the
// process count at the limit — while a tree that was already at its limit is not blamed on a build.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { openBuildCgroup, type BuildCgroup } from './limits.js';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => fs.rm(r, { recursive: true, force: true }))));

function engine(info: object): Docker {
  return { info: () => Promise.resolve(info) } as unknown as Docker;
}

async function fakeRoot(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'df-cgroup-'));
  roots.push(root);
  return root;
}

const limits = { memoryMb: 64, cpus: 0.5, pids: 32 };

describe('build cgroup', () => {
  it('refuses an engine that is not on the cgroupfs driver', async () => {
    assert.match(String(await openBuildCgroup(engine({ CgroupDriver: 'systemd', CgroupVersion: '2' }))), /systemd, not cgroupfs/);
  });

  it('writes v1 limits and reports an OOM kill in a step cgroup, once', async () => {
    const root = await fakeRoot();
    const box = (await openBuildCgroup(engine({ CgroupDriver: 'cgroupfs', CgroupVersion: '1' }), { root })) as BuildCgroup;
    await box.apply(limits);
    const mem = path.join(root, 'memory/docker/buildkit');
    assert.equal(await fs.readFile(path.join(mem, 'memory.limit_in_bytes'), 'utf8'), String(64 * 1024 * 1024));
    assert.equal(await fs.readFile(path.join(root, 'pids/docker/buildkit/pids.max'), 'utf8'), '32');
    assert.equal(await fs.readFile(path.join(root, 'cpu/docker/buildkit/cpu.cfs_quota_us'), 'utf8'), '50000');
    const seen: string[] = [];
    const watch = box.watch((b) => seen.push(b), 10);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(seen, []);
    await fs.mkdir(path.join(mem, 'step1'));
    await fs.writeFile(path.join(mem, 'step1/memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(seen, ['memory']);
    assert.equal((await watch.stop()).breach, 'memory');
  });

  it('writes v2 limits and reports the process count at the limit, not an old peak', async () => {
    const root = await fakeRoot();
    const box = (await openBuildCgroup(engine({ CgroupDriver: 'cgroupfs', CgroupVersion: '2' }), { root })) as BuildCgroup;
    const dir = path.join(root, 'docker/buildkit');
    await box.apply(limits);
    assert.equal(await fs.readFile(path.join(dir, 'memory.max'), 'utf8'), String(64 * 1024 * 1024));
    assert.equal(await fs.readFile(path.join(dir, 'cpu.max'), 'utf8'), '50000 100000');
    await fs.writeFile(path.join(dir, 'pids.peak'), '32'); // left by an earlier build
    await fs.writeFile(path.join(dir, 'pids.current'), '3');
    const seen: string[] = [];
    const watch = box.watch((b) => seen.push(b), 10);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(seen, [], "an old peak is not this build's");
    await fs.writeFile(path.join(dir, 'pids.current'), '32');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(seen, ['pids']);
    await fs.writeFile(path.join(dir, 'memory.peak'), String(64 * 1024 * 1024));
    assert.deepEqual(await watch.stop(), { breach: 'pids', memoryLimitHit: true });
  });

  it("with attribution: counts only this build's steps, holds them to the build's limits, and makes room beside a running build", async () => {
    const root = await fakeRoot();
    const box = (await openBuildCgroup(engine({ CgroupDriver: 'cgroupfs', CgroupVersion: '1' }), { root })) as BuildCgroup;
    const pids = path.join(root, 'pids/docker/buildkit');
    const mem = path.join(root, 'memory/docker/buildkit');
    await box.apply(limits);
    // Another builder's step runs: the parent is kept and holds both builds (32 + 32 processes).
    for (const dir of [pids, mem]) await fs.mkdir(path.join(dir, 'theirs'));
    await box.apply(limits, { beside: true });
    assert.equal(await fs.readFile(path.join(pids, 'pids.max'), 'utf8'), '64');
    assert.equal(await fs.readFile(path.join(mem, 'memory.limit_in_bytes'), 'utf8'), String(128 * 1024 * 1024));
    const owners: Record<string, 'mine' | 'other'> = { theirs: 'other', ours: 'mine' };
    const seen: string[] = [];
    const watch = box.watch((b) => seen.push(b), 10, { owner: async (dir) => owners[path.basename(dir)] ?? 'pending', limits });
    await fs.writeFile(path.join(pids, 'theirs/pids.events'), 'max 7\n'); // their fork bomb
    await fs.writeFile(path.join(pids, 'theirs/pids.current'), '32');
    await fs.writeFile(path.join(pids, 'pids.current'), '64');
    for (const dir of [pids, mem]) await fs.mkdir(path.join(dir, 'ours'));
    await fs.writeFile(path.join(pids, 'ours/pids.current'), '5');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(seen, [], "another build's refused forks and processes are not this build's");
    assert.equal(await fs.readFile(path.join(pids, 'ours/pids.max'), 'utf8'), '32', "this build's step is held to its limit");
    assert.equal(await fs.readFile(path.join(mem, 'ours/memory.limit_in_bytes'), 'utf8'), String(64 * 1024 * 1024));
    await fs.writeFile(path.join(pids, 'ours/pids.current'), '32');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(seen, ['pids']);
    await watch.stop();
  });
});
