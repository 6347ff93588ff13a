import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNoop, orphanApps, planApp, sameUpstreams, type Observed } from './plan.js';

let n = 0;
const c = (deploymentId: string, replica: number, running = true, healthy = running): Observed => ({
  id: `id${++n}`,
  name: `web.${deploymentId}.${replica}`,
  deploymentId,
  replica,
  running,
  healthy,
  hostPort: running ? 40000 + replica : undefined,
});
const ids = (list: Observed[]): string[] => list.map((o) => o.name);

describe('reconciler plan', () => {
  it('changes nothing when the deployment runs its replicas healthy', () => {
    const plan = planApp({ deploymentId: 'd1', replicas: 2, stopped: false }, [c('d1', 1), c('d1', 2)]);
    assert.ok(isNoop(plan));
    assert.deepEqual(plan.upstreamPorts, [40001, 40002]);
  });
  it('recreates missing replicas and removes exited ones', () => {
    const plan = planApp({ deploymentId: 'd1', replicas: 3, stopped: false }, [c('d1', 1), c('d1', 2, false)]);
    assert.deepEqual(ids(plan.remove), ['web.d1.2']);
    assert.equal(plan.create, 2);
    assert.deepEqual(plan.upstreamPorts, [40001]);
  });
  it('removes containers of other deployments (orphans of a crashed or old release)', () => {
    const plan = planApp({ deploymentId: 'd2', replicas: 1, stopped: false }, [c('d1', 1), c('d2', 1)]);
    assert.deepEqual(ids(plan.remove), ['web.d1.1']);
    assert.equal(plan.create, 0);
  });
  it('retires surplus replicas, keeping healthy ones first', () => {
    const plan = planApp({ deploymentId: 'd1', replicas: 1, stopped: false }, [c('d1', 1, true, false), c('d1', 2)]);
    assert.deepEqual(ids(plan.keep), ['web.d1.2']);
    assert.deepEqual(ids(plan.retire), ['web.d1.1']);
  });
  it('keeps an unhealthy running replica without publishing it or replacing it', () => {
    const plan = planApp({ deploymentId: 'd1', replicas: 1, stopped: false }, [c('d1', 1, true, false)]);
    assert.equal(plan.create, 0);
    assert.deepEqual(plan.upstreamPorts, []);
  });
  it('leaves a stopped app stopped: stops running containers, keeps stopped ones', () => {
    const plan = planApp({ deploymentId: 'd1', replicas: 2, stopped: true }, [c('d1', 1), c('d1', 2, false)]);
    assert.deepEqual(ids(plan.stop), ['web.d1.1']);
    assert.deepEqual(plan.remove, []);
    assert.equal(plan.create, 0);
    assert.deepEqual(plan.upstreamPorts, []);
  });
  it('removes everything when nothing should run', () => {
    const plan = planApp({ deploymentId: null, replicas: 1, stopped: false }, [c('d1', 1)]);
    assert.deepEqual(ids(plan.remove), ['web.d1.1']);
    assert.equal(plan.create, 0);
  });
  it('scales to zero by retiring every replica', () => {
    const plan = planApp({ deploymentId: 'd1', replicas: 0, stopped: false }, [c('d1', 1), c('d1', 2)]);
    assert.equal(plan.retire.length, 2);
    assert.deepEqual(plan.upstreamPorts, []);
  });
  it('finds apps with containers but no record', () => {
    assert.deepEqual(orphanApps(new Set(['a']), ['b', 'a', 'c', 'b']), ['b', 'c']);
  });
  it('compares upstreams as sets', () => {
    const u = (port: number) => ({ host: '127.0.0.1', port });
    assert.ok(sameUpstreams([u(1), u(2)], [u(2), u(1)]));
    assert.ok(!sameUpstreams([u(1)], [u(1), u(2)]));
    assert.ok(!sameUpstreams([u(1)], [u(3)]));
  });
});
