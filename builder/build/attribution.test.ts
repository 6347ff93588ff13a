// Which build a step belongs to, from the marker in its processes' environment (a fake cgroup dir).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildMarker } from './attribution.js';

describe('build step attribution', () => {
  it("tells this build's steps from another build's, a step without a marker, and one still starting", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'df-attr-'));
    after(() => fs.rm(root, { recursive: true, force: true }));
    const environs = new Map<number, string>();
    const ours = buildMarker(
      async (pid) => environs.get(pid) ?? '',
      async (pid) => pid === 50 || pid === 51,
    );
    const theirs = buildMarker();
    const env = (m: typeof ours): string => `PATH=/bin\0no_proxy=${m.buildArgs.no_proxy}\0NO_PROXY=${m.buildArgs.no_proxy}\0`;
    assert.match(ours.buildArgs.no_proxy!, /^\.deployflow-build-[a-f0-9]{32}\.invalid$/);
    const step = async (name: string, pids: number[]): Promise<string> => {
      await fs.mkdir(path.join(root, name), { recursive: true });
      await fs.writeFile(path.join(root, name, 'cgroup.procs'), pids.map((p) => `${p}\n`).join(''));
      return path.join(root, name);
    };
    environs.set(10, env(ours));
    environs.set(20, env(theirs));
    environs.set(30, 'PATH=/bin\0'); // exec'd its way out of the marker
    assert.equal(await ours.owner(await step('a', [10, 11])), 'mine');
    assert.equal(await ours.owner(await step('b', [20])), 'other');
    assert.equal(await ours.owner(await step('c', [30])), 'unknown');
    assert.equal(await ours.owner(await step('e', [50, 30])), 'unknown', 'one process past its start decides');
    const starting = await step('d', [50]);
    assert.equal(await ours.owner(starting), 'pending');
    await fs.writeFile(path.join(starting, 'cgroup.procs'), '50\n51\n');
    assert.equal(await ours.owner(starting), 'pending', 'runc init of several processes is still starting');
    await fs.writeFile(path.join(starting, 'cgroup.procs'), '10\n');
    assert.equal(await ours.owner(starting), 'mine', 'asked again once the step runs');
  });
});
