// The reconciler against real Docker and Redis: a replica removed behind the platform's back
// comes back and is republished, an orphan of a deleted app goes (and only this instance's),
// a Redis flush heals, and stopping control then starting a new one on the same data dir and
// Redis leaves every container and the route version exactly as they were, and a deploy the
// stopped control left unfinished is failed by the new one, with DF_ERR_UNAVAILABLE.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LABEL_APP, LABEL_DEPLOYMENT, listAppContainers } from '../builder/index.js';
import { LABEL_INSTANCE } from '../control/reconciler/instance.js';
import { readRouteTable } from '../common/routes/index.js';
import { startTestControl } from './support/control.js';
import { freePort } from './support/ports.js';
import { answer, startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';

const APP = 'ops-heal';
const GHOST = 'ops-ghost';

describe('reconciler', () => {
  let s: OpsStack;
  const strays: string[] = [];

  before(async () => {
    // A fixed control port, so the restarted control's own apex route is the same route.
    s = await startOpsStack({ DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS: '1', CONTROL_PORT: String(await freePort()) });
    await s.deploy(APP, 'v1', { replicas: 2 });
  });
  after(async () => {
    for (const id of strays)
      await s.docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    await s.cleanup([APP, GHOST]);
  });

  async function servingPorts(): Promise<number[]> {
    return ((await s.route(APP))?.upstreams ?? []).map((u) => u.port).sort();
  }

  it('brings back a replica removed behind its back and republishes the route', async () => {
    const [victim, survivor] = await listAppContainers(s.docker, APP);
    await s.docker.getContainer(victim!.id).remove({ force: true });
    // No call into control: the periodic pass notices on its own.
    const ports = await waitFor(
      async () => {
        const running = (await listAppContainers(s.docker, APP)).filter((c) => c.running);
        const p = await servingPorts();
        return running.length === 2 && p.length === 2 && !p.includes(victim!.hostPort!) ? p : null;
      },
      'the replica to come back',
      30_000,
    );
    assert.ok(ports.includes(survivor!.hostPort!), 'the healthy replica was left alone');
    for (const p of ports) assert.match(await answer(p), /^v1 /);
  });

  it("removes an orphan labelled for a deleted app, and only its own instance's", async () => {
    const deps = s.control.service.deps;
    const labels = (instance: string) => ({ [LABEL_APP]: GHOST, [LABEL_DEPLOYMENT]: 'gone', [LABEL_INSTANCE]: instance });
    const create = async (instance: string): Promise<string> => {
      const c = await s.docker.createContainer({ Image: s.base, Cmd: ['sleep', '300'], Labels: labels(instance) });
      await c.start();
      strays.push(c.id);
      return c.id;
    };
    const orphan = await create(deps.deploy!.labels[LABEL_INSTANCE]!);
    const foreign = await create('00000000-0000-0000-0000-000000000000');
    // The periodic pass may get there first; either way, after one full pass the orphan is gone.
    await deps.reconciler!.run();
    assert.equal(
      await s.docker
        .getContainer(orphan)
        .inspect()
        .then(
          () => 'exists',
          () => 'gone',
        ),
      'gone',
    );
    assert.equal((await s.docker.getContainer(foreign).inspect()).State.Running, true, "another platform's container is not touched");
  });

  it('republishes the route table after Redis lost it', async () => {
    await s.probe.flushall();
    await s.control.service.deps.reconciler!.run();
    assert.equal((await servingPorts()).length, 2);
    assert.ok((await readRouteTable(s.probe)).routes['paas.test'], "control's apex route is back too");
  });

  it('stopping control leaves apps serving; a new control changes nothing healthy', async () => {
    await s.control.service.deps.reconciler!.run(); // settle
    const ids = (await listAppContainers(s.docker, APP)).map((c) => c.id).sort();
    const { version, routes } = await readRouteTable(s.probe);
    const appVersion = routes[`${APP}.paas.test`]!.version;
    await s.control.stop(false);
    const after = await listAppContainers(s.docker, APP);
    assert.deepEqual(after.map((c) => c.id).sort(), ids);
    assert.ok(
      after.every((c) => c.running),
      'containers keep running without control',
    );
    for (const p of await servingPorts()) assert.match(await answer(p), /^v1 /);

    s.control = await startTestControl(s.env, s.control.dataDir);
    const report = await s.control.service.deps.reconciler!.run(); // after the pass at start
    assert.deepEqual(report.changed, {});
    assert.deepEqual((await listAppContainers(s.docker, APP)).map((c) => c.id).sort(), ids, 'no container replaced');
    const table = await readRouteTable(s.probe);
    assert.equal(table.routes[`${APP}.paas.test`]!.version, appVersion, 'the app route was not republished');
    assert.equal(table.version, version, 'no route version bump');
  });

  it("a new control fails a deploy the stopped one left unfinished, as control's unavailability", async () => {
    // The record of a deploy that was building when its control stopped (no ticket, no process).
    const unfinished = await s.control.service.deps.store.deployments.create({
      id: randomUUID(),
      app: APP,
      status: 'building',
      commit: null,
      ref: 'refs/heads/main',
      image: null,
      source: 'git',
      createdBy: s.owner.userId,
      createdAt: Date.now(),
      finishedAt: null,
      error: null,
      errorCode: null,
    });
    await s.control.stop(false);
    s.control = await startTestControl(s.env, s.control.dataDir);
    await s.control.service.deps.reconciler!.run();
    const res = await s.owner.get(`/api/v1/deployments/${unfinished.id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.error, 'Interrupted: control stopped during the deploy');
    assert.equal(res.body.errorCode, 'DF_ERR_UNAVAILABLE');
    assert.ok(res.body.finishedAt >= unfinished.createdAt, 'it has an end');
    for (const p of await servingPorts()) assert.match(await answer(p), /^v1 /, 'the running release still serves');
  });
});
