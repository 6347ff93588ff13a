// Deploys of one app back to back, with real Docker and Redis: the second builds at once (beside
// the first), goes live after the first and without waiting for the first one's drain, and the
// route ends on it; a deploy that fails between them changes nothing that serves. Asserted on the
// order of status events and log lines, never on durations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeploymentLogLine } from '../control/server/events.js';
import type { Deployment } from '../control/store/types.js';
import type { FileSpec } from './builder-fixtures.js';
import { answer, opsApp, startOpsStack, type OpsStack } from './ops-fixtures.js';

const APP = 'twice';

describe('back-to-back deploys of one app', () => {
  let s: OpsStack;
  const events: string[] = [];
  const ids = new Map<string, string>();
  const label = (id: string): string => ids.get(id) ?? id.slice(0, 8);

  before(async () => {
    // A drain long enough that "went live before the drain ended" is an ordering, not a race: the
    // second build runs beside the first, and on a loaded machine (load 17, 2 cores) it finished
    // more than 6 s after the first went live.
    s = await startOpsStack({ DEPLOYFLOW_DRAIN_SECONDS: '15' });
    const created = await s.owner.post('/api/v1/apps', { name: APP, port: 8080, limits: { memoryMb: 64, cpus: 0.5 } });
    assert.equal(created.status, 201);
    const bus = s.control.service.deps.events;
    bus.on('deployment.status', (d: Deployment) => {
      if (d.app === APP) events.push(`${label(d.id)} ${d.status}`);
    });
    bus.on('deployment.log', (l: DeploymentLogLine) => {
      if (l.app === APP && /^-----> (Retired|Superseded)/.test(l.line))
        events.push(`${label(l.deploymentId)} ${l.line.slice(7).split(' ')[0]}`);
    });
  });
  after(async () => {
    await s?.cleanup([APP]);
  });

  async function start(
    name: string,
    files: Record<string, FileSpec>,
  ): Promise<{ done: Promise<Deployment>; live: Promise<Deployment>; lines: string[] }> {
    const commit = await s.repo.commit(files);
    const lines: string[] = [];
    const r = await s.control.service.deps.deploy!.enqueue({
      app: APP,
      source: { kind: 'build', spec: { kind: 'git', repo: s.repo.bare, commit } },
      origin: 'git',
      commit,
      ref: 'refs/heads/main',
      createdBy: s.owner.userId,
      out: (line) => lines.push(line),
    });
    ids.set(r.deployment.id, name);
    return { done: r.done, live: r.live, lines };
  }

  const serving = async (): Promise<string> => {
    const route = await s.route(APP);
    assert.ok(route && route.upstreams.length === 1, JSON.stringify(route));
    return (await answer(route.upstreams[0]!.port)).split(' ')[0]!;
  };

  it('builds the second at once, switches in order without waiting for the first drain, and ends on the second', async () => {
    const v0 = await start('v0', opsApp(s.base, 'v0'));
    assert.equal((await v0.live).status, 'running');
    events.length = 0;

    const first = await start('v1', opsApp(s.base, 'v1'));
    const second = await start('v2', opsApp(s.base, 'v2'));
    assert.ok(
      second.lines.some((l) => l === `-----> Building now; 1 earlier deploy of ${APP} goes live first (routes switch in push order)`),
      second.lines.join('\n'),
    );
    let firstDone = false;
    void first.done.then(() => {
      firstDone = true;
    });
    const live = await second.live;
    assert.equal(live.status, 'running');
    assert.equal(firstDone, false, "the second went live while the first one's old containers still drained");

    const records = s.control.service.deps.store.deployments;
    const [z, a, b] = await Promise.all([v0.done, first.done, second.done].map(async (p) => (await records.get((await p).id))!.status));
    assert.deepEqual([z, a, b], ['superseded', 'superseded', 'running']);
    assert.equal(await serving(), 'v2');
    const at = (e: string): number => {
      const i = events.indexOf(e);
      assert.ok(i >= 0, `${e} in ${events.join(' | ')}`);
      return i;
    };
    assert.ok(at('v2 building') < at('v1 running'), `the second built beside the first: ${events.join(' | ')}`);
    assert.ok(at('v1 running') < at('v2 running'), `push order: ${events.join(' | ')}`);
    assert.ok(at('v2 running') < at('v1 Retired'), `no wait for the drain: ${events.join(' | ')}`);
    assert.ok(!events.some((e) => e.endsWith('Superseded:')), 'nothing was skipped');
  });

  it('a deploy that fails between two good ones leaves the serving one alone; the next goes live after it', async () => {
    const broken = await start('broken', {
      Dockerfile: `FROM ${s.base}\nCMD ["node", "-e", "process.exit(3)"]\n`,
    });
    const good = await start('v3', opsApp(s.base, 'v3'));
    const failed = await broken.done;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /did not become healthy/);
    assert.equal((await good.done).status, 'running');
    assert.equal(await serving(), 'v3');
    assert.ok(events.indexOf('broken failed') < events.indexOf('v3 running'), events.join(' | '));
  });
});
