// Day-two operations against real Docker and a real Redis route table: scale follows in the
// route table, stop leaves the route with no upstreams and start serves again, a rolling
// restart replaces every container without a failed request, and quotas refuse with the limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAppContainers } from '../builder/index.js';
import { answer, startOpsStack, type OpsStack } from './ops-fixtures.js';

const APP = 'ops-web';
const OTHER = 'ops-web-two';

describe('day-two operations', () => {
  let s: OpsStack;
  let image: string;

  before(async () => {
    s = await startOpsStack({ DEPLOYFLOW_REPLICA_QUOTA: '4', DEPLOYFLOW_MEMORY_QUOTA_MB: '512' });
    image = (await s.deploy(APP, 'v1')).image!;
  });
  after(() => s.cleanup([APP, OTHER]));

  async function upstreamPorts(): Promise<number[]> {
    return ((await s.route(APP))?.upstreams ?? []).map((u) => u.port).sort();
  }

  it('scales 1 → 3 → 1 with the route table following', async () => {
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}/status`)).body.state, 'running');
    const up = await s.owner.post(`/api/v1/apps/${APP}/scale`, { replicas: 3 });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal(up.body.replicas.filter((r: { healthy?: boolean }) => r.healthy).length, 3);
    const three = await upstreamPorts();
    assert.equal(three.length, 3);
    const hosts = new Set(await Promise.all(three.map((p) => answer(p))));
    assert.equal(hosts.size, 3, 'three distinct containers answer');
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}`)).body.replicas, 3);

    const down = await s.owner.post(`/api/v1/apps/${APP}/scale`, { replicas: 1 });
    assert.equal(down.status, 200);
    const one = await upstreamPorts();
    assert.equal(one.length, 1);
    assert.ok(three.includes(one[0]!), 'a replica that was already serving stays');
    assert.match(await answer(one[0]!), /^v1 /);
    assert.equal((await listAppContainers(s.docker, APP)).length, 1, 'surplus containers are removed after draining');
  });

  it('stop leaves the route without upstreams; start serves again', async () => {
    const stop = await s.owner.post(`/api/v1/apps/${APP}/stop`);
    assert.equal(stop.status, 200);
    assert.equal(stop.body.state, 'stopped');
    const route = await s.route(APP);
    assert.ok(route, 'the host stays routed (the gateway answers 503, not 404)');
    assert.deepEqual(route.upstreams, []);
    const containers = await listAppContainers(s.docker, APP);
    assert.ok(containers.length > 0 && containers.every((c) => !c.running), 'containers are stopped, not removed');
    await s.control.service.deps.reconciler!.run();
    assert.deepEqual((await s.route(APP))?.upstreams, [], 'the reconciler leaves a stopped app stopped');
    assert.equal((await listAppContainers(s.docker, APP)).filter((c) => c.running).length, 0);

    const start = await s.owner.post(`/api/v1/apps/${APP}/start`);
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.state, 'running');
    const ports = await upstreamPorts();
    assert.equal(ports.length, 1);
    assert.match(await answer(ports[0]!), /^v1 /);
  });

  it('restarts replica by replica with no failed request', async () => {
    assert.equal((await s.owner.post(`/api/v1/apps/${APP}/scale`, { replicas: 2 })).status, 200);
    const before = new Set((await listAppContainers(s.docker, APP)).map((c) => c.id));
    let done = false;
    let ok = 0;
    const failures: string[] = [];
    const load = (async () => {
      // Bounded: at most 2000 requests, each against the route table as it is at that moment.
      for (let i = 0; i < 2000 && !done; i++) {
        const ports = await upstreamPorts();
        const port = ports[i % ports.length];
        if (port === undefined) {
          failures.push('no upstream');
          continue;
        }
        try {
          await answer(port);
          ok++;
        } catch (err) {
          failures.push(`${port}: ${(err as Error).message}`);
        }
      }
    })();
    const res = await s.owner.post(`/api/v1/apps/${APP}/restart`);
    done = true;
    await load;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(failures, []);
    assert.ok(ok > 10, `requests were made during the restart (${ok})`);
    const afterIds = (await listAppContainers(s.docker, APP)).map((c) => c.id);
    assert.equal(afterIds.length, 2);
    assert.ok(
      afterIds.every((id) => !before.has(id)),
      'every container was replaced',
    );
    assert.equal((await upstreamPorts()).length, 2);
  });

  it('refuses to go over the replica and memory quotas, naming the limit', async () => {
    // The owner runs 2 replicas × 64 MB of the 4-replica, 512 MB quota.
    const scale = await s.owner.post(`/api/v1/apps/${APP}/scale`, { replicas: 5 });
    assert.equal(scale.status, 403);
    assert.equal(scale.body.error.code, 'DF_ERR_QUOTA_EXCEEDED');
    assert.match(scale.body.error.message, /Replica quota exceeded.*limit is 4/);
    const patch = await s.owner.patch(`/api/v1/apps/${APP}`, { limits: { memoryMb: 300, cpus: 0.5 } });
    assert.equal(patch.status, 403);
    assert.match(patch.body.error.message, /Memory quota exceeded.*600 MB.*512 MB/);
    assert.equal((await s.owner.patch(`/api/v1/apps/${APP}`, { replicas: 5 })).body.error.code, 'DF_ERR_QUOTA_EXCEEDED');

    // A second app asking for 3 replicas does not fit (2 + 3 > 4) and is not created.
    const tooBig = await s.owner.post('/api/v1/apps', { name: OTHER, port: 8080, replicas: 3, limits: { memoryMb: 64, cpus: 0.5 } });
    assert.equal(tooBig.body.error.code, 'DF_ERR_QUOTA_EXCEEDED');
    assert.equal((await s.owner.get(`/api/v1/apps/${OTHER}`)).status, 404);
    // Created small, then grown by an admin (exempt), it fits no deploy by its owner.
    assert.equal(
      (await s.owner.post('/api/v1/apps', { name: OTHER, port: 8080, replicas: 1, limits: { memoryMb: 64, cpus: 0.5 } })).status,
      201,
    );
    assert.equal((await s.admin.patch(`/api/v1/apps/${OTHER}`, { replicas: 3 })).status, 200);
    const deploy = await s.owner.post(`/api/v1/apps/${OTHER}/deployments`, { image });
    assert.equal(deploy.status, 403);
    assert.match(deploy.body.error.message, /Replica quota exceeded/);
    assert.equal((await s.owner.get(`/api/v1/apps/${OTHER}/deployments`)).body.length, 0, 'nothing was recorded');
    assert.equal((await s.owner.get(`/api/v1/apps/${OTHER}/status`)).body.state, 'new');

    // Shrinking is always allowed; admins are exempt.
    assert.equal((await s.owner.patch(`/api/v1/apps/${OTHER}`, { replicas: 1 })).status, 200);
    assert.equal((await s.admin.patch(`/api/v1/apps/${OTHER}`, { replicas: 9 })).status, 200);
    assert.equal((await s.admin.patch(`/api/v1/apps/${OTHER}`, { replicas: 1 })).status, 200);
  });

  it('keeps the last N images, never the ones in use or the rollback target', async () => {
    const deps = s.control.service.deps;
    const keep = deps.config.keepImages;
    for (let i = 2; i <= keep + 2; i++) await s.deploy(APP, `v${i}`);
    await deps.deploy!.runExclusive(APP, async () => undefined); // retention runs in the app's queue
    const tags = (await s.docker.listImages({ filters: { reference: [`deployflow/${APP}`] } })).flatMap((i) => i.RepoTags ?? []);
    assert.ok(tags.length <= keep, `at most ${keep} images kept, found ${tags.length}`);
    const history = (await s.owner.get(`/api/v1/apps/${APP}/deployments`)).body as { status: string; image: string }[];
    for (const status of ['running', 'superseded']) {
      const d = history.find((h) => h.status === status)!;
      assert.ok(tags.includes(d.image), `${status} image ${d.image} kept`);
    }
    assert.ok(!tags.includes(image), 'the first image is gone');
  });

  it("trims BuildKit's layer cache to its budget after a release, never what a deploy still needs", async () => {
    const deps = s.control.service.deps;
    type Record = { ID: string; Type: string; Description: string; InUse: boolean; Shared: boolean; Size: number };
    const cache = async (): Promise<Record[]> => {
      const df = (await s.docker.df()) as { BuildCache?: Record[] | null };
      return df.BuildCache ?? [];
    };
    await s.deploy(APP, 'cache-1');
    await deps.deploy!.runExclusive(APP, async () => undefined);
    const before = await cache();
    assert.ok(before.length > 3, `builds left cache records (${before.length})`);
    // A budget of 0 MB: everything not in use goes at the next release.
    deps.config.buildCacheMb = 0;
    try {
      await s.deploy(APP, 'cache-2');
      await deps.deploy!.runExclusive(APP, async () => undefined);
      const after = await cache();
      assert.ok(after.length < before.length, `${after.length} records left of ${before.length}`);
      // Records in use, or shared with an image's layers (pruning them frees nothing; the engine skips them), stay.
      const prunable = after.filter((r) => !r.InUse && !r.Shared);
      assert.ok(
        prunable.reduce((n, r) => n + r.Size, 0) <= 4096,
        `only a few bytes are left: ${JSON.stringify(prunable.map((r) => [r.Type, r.Size, r.Description.slice(0, 60)]))}`,
      );
      // The running version is unaffected, and the next build still works from nothing.
      assert.equal((await s.deploy(APP, 'cache-3')).status, 'running');
    } finally {
      deps.config.buildCacheMb = 10_240;
    }
  });
});
