// Which Docker volume an app's mount gets, against the real engine: one per (app, volume) pair
// even when names split the same way at "-", a volume from before the naming change kept for its
// own app only, another app's volume never mounted, and every one of them gone with the app.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Docker from 'dockerode';
import { purgeApp } from '../builder/index.js';
import { DockerRunner } from '../builder/docker/runner.js';
import { validateRelease, volumePlan, type ValidRelease } from '../builder/docker/specs.js';
import { isDeployFlowError } from '../common/errors/catalogue.js';

const docker = new Docker();
const run = Math.random().toString(36).slice(2, 8);
const runner = new DockerRunner(docker);
const shop = `vol-${run}`;
const shopDb = `vol-${run}-db`;

function releaseOf(app: string, volume: string): ValidRelease {
  return validateRelease({
    app,
    deploymentId: 'd1',
    image: 'deployflow/x:d1',
    replicas: 1,
    port: 3000,
    env: {},
    limits: { memoryMb: 64, cpus: 0.5 },
    volumes: [{ name: volume, path: '/data' }],
    labels: { 'deployflow.test': run },
  });
}

/** What prepareInfra does for the release's one volume. */
async function claim(app: string, volume: string): Promise<string> {
  const r = releaseOf(app, volume);
  const v = r.volumes[0]!;
  return runner.claimVolume(volumePlan(r, v), v.legacy);
}

async function names(): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`deployflow.test=${run}`] } });
  return (Volumes ?? []).map((v) => v.Name).sort();
}

describe('app volumes on Docker', () => {
  after(async () => {
    for (const name of await names())
      await docker
        .getVolume(name)
        .remove()
        .catch(() => undefined);
  });

  it('gives app "x" + volume "db-data" and app "x-db" + volume "data" two different volumes', async () => {
    const a = await claim(shop, 'db-data');
    const b = await claim(shopDb, 'data');
    assert.equal(a, `deployflow.${shop}.db-data`);
    assert.equal(b, `deployflow.${shopDb}.data`);
    assert.equal(await claim(shop, 'db-data'), a, 'a redeploy mounts the same volume');
  });

  it('keeps mounting a volume made before the naming change for its own app, never for another', async () => {
    // Before: app `x` + volume `old-data` was `deployflow-x-old-data`, which app `x-old` + `data` also named.
    const legacy = `deployflow-${shop}-old-data`;
    await docker.createVolume({ Name: legacy, Labels: { 'deployflow.app': shop, 'deployflow.test': run } });
    assert.equal(await claim(shop, 'old-data'), legacy);
    assert.equal(await claim(`${shop}-old`, 'data'), `deployflow.${shop}-old.data`);
  });

  it('refuses a volume under its name that belongs to someone else', async () => {
    await docker.createVolume({ Name: `deployflow.${shop}.taken`, Labels: { 'deployflow.app': 'someone-else', 'deployflow.test': run } });
    await assert.rejects(claim(shop, 'taken'), (err: unknown) => isDeployFlowError(err) && err.code === 'DF_ERR_CONFLICT');
  });

  it("removes every volume of an app with the app, the old-named one too, and no other app's", async () => {
    await purgeApp(docker, shop, { removeVolumes: true });
    assert.deepEqual(await names(), [`deployflow.${shop}-old.data`, `deployflow.${shop}.taken`, `deployflow.${shopDb}.data`].sort());
  });
});
