// The build disk watcher on its own: which directories of a step's mountinfo are its writes, and
// the budget over all steps (a step's layer from zero, a cache mount by its growth).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { watchBuildDisk, writableDirs } from './disk.js';

// Lines as a BuildKit RUN step's /proc/<pid>/mountinfo has them (Docker 20.10, overlay2 on ext4).
const MOUNTINFO = [
  '550 492 0:126 / / rw,relatime master:13 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/RZU,' +
    'upperdir=/var/lib/docker/overlay2/lqy7/diff,workdir=/var/lib/docker/overlay2/lqy7/work,uuid=on',
  '551 550 0:136 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
  '557 550 254:0 /var/lib/docker/buildkit/executor/resolv.conf /etc/resolv.conf ro,nosuid,nodev,relatime master:1 - ext4 /dev/vda rw',
  '569 550 254:0 /var/lib/docker/overlay2/eat8/diff /c rw,relatime master:1 - ext4 /dev/vda rw,discard',
  '570 550 254:0 /overlay2/ro1/diff /ro ro,relatime master:1 - ext4 /dev/vdb rw',
  '571 550 254:1 /overlay2/sep9/diff /d rw,relatime master:1 - ext4 /dev/vdb rw',
].join('\n');

describe('build disk watcher', () => {
  it("finds the step's layer and its writable cache mounts, under the engine's data root", () => {
    assert.deepEqual(writableDirs(MOUNTINFO, '/var/lib/docker'), [
      { dir: '/var/lib/docker/overlay2/lqy7/diff', fresh: true, mountPoint: '/' },
      { dir: '/var/lib/docker/overlay2/eat8/diff', fresh: false, mountPoint: '/c' },
      { dir: '/var/lib/docker/overlay2/sep9/diff', fresh: false, mountPoint: '/d' },
    ]);
    // `runc init` before the pivot: the host's table, with other containers' overlays mounted elsewhere.
    const host =
      '90 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n' +
      '91 90 0:50 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay rw,upperdir=/var/lib/docker/overlay2/abc/diff';
    assert.deepEqual(writableDirs(host, '/var/lib/docker'), []);
  });

  it('reports a breach once the writes of the running steps pass the budget, counting a cache mount by its growth', async () => {
    const cgroup = await fs.mkdtemp(path.join(os.tmpdir(), 'df-disk-'));
    after(() => fs.rm(cgroup, { recursive: true, force: true }));
    await fs.mkdir(path.join(cgroup, 'step1'));
    await fs.writeFile(path.join(cgroup, 'step1', 'cgroup.procs'), '4242\n');
    await fs.mkdir(path.join(cgroup, 'idle')); // a cgroup with no process left: nothing to read
    const sizes = new Map([
      ['/var/lib/docker/overlay2/lqy7/diff', 10],
      ['/var/lib/docker/overlay2/eat8/diff', 500],
    ]);
    let breach = 0;
    const watch = watchBuildDisk({
      cgroupDir: cgroup,
      dockerRoot: '/var/lib/docker',
      limitBytes: 100,
      intervalMs: 5,
      onBreach: (total) => {
        breach = total;
      },
      measure: async (dir) => sizes.get(dir) ?? 0,
      mountinfo: async (pid) => (pid === 4242 ? MOUNTINFO : ''),
      cmdline: async () => '/bin/sh -c npm ci',
    });
    const seen = async (): Promise<void> => {
      for (let i = 0; i < 200 && breach === 0; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(breach, 0, 'a 500-byte cache mount from earlier builds and a 10-byte layer are within 100 bytes');
    sizes.set('/var/lib/docker/overlay2/eat8/diff', 560);
    sizes.set('/var/lib/docker/overlay2/lqy7/diff', 50);
    await seen();
    assert.equal(breach, 110, 'the layer (50) and the cache growth (60) together');
    assert.equal(await watch.stop(), 110);
    // The cache mounts by their target, with the step's command and their largest size (what the budget per app counts).
    assert.deepEqual(watch.cacheMounts(), [
      { mountPoint: '/c', command: '/bin/sh -c npm ci', bytes: 560 },
      { mountPoint: '/d', command: '/bin/sh -c npm ci', bytes: 0 },
    ]);
  });
});
