// Builder and release engine against the real Docker Engine: tiny node:http apps built from a
// real bare git repo, released health-gated, reached only through their 127.0.0.1 ports.
// Everything made here carries the label deployflow.test=<run> (or its app's label) and is removed.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import {
  createBuilder,
  listAppContainers,
  release,
  purgeApp,
  stopAppContainers,
  type Builder,
  type ReleaseDeps,
  type ReleaseSpec,
  type Upstream,
} from '../builder/index.js';
import { loadConfig } from '../common/config/config.js';
import { isDeployFlowError } from '../common/errors/catalogue.js';
import { detectedApp, dockerfileApp, makeRepo, type TestRepo } from './builder-fixtures.js';
import { ensureNodeBaseImage } from './support/base-image.js';

const docker = new Docker();
const run = Math.random().toString(36).slice(2, 8);
const testLabel = { 'deployflow.test': run };
const network = `df-test-${run}`;
const apps = { own: `bt-own-${run}`, auto: `bt-auto-${run}`, bad: `bt-bad-${run}` };

function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      })
      .once('error', reject);
  });
}

function dfCode(code: string) {
  return (err: unknown): boolean => {
    assert.ok(isDeployFlowError(err), `expected a DeployFlowError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe('builder + release on Docker', { timeout: 600_000 }, () => {
  let base: string;
  let builder: Builder;
  let repo: TestRepo;
  const log: string[] = [];
  const sink = (line: string): void => {
    log.push(line);
  };

  before(async () => {
    base = await ensureNodeBaseImage(docker);
    const images = loadConfig({ DEPLOYFLOW_IMAGE_NODE: base }).images;
    builder = createBuilder({ docker, images, maxConcurrentBuilds: 1, buildTimeoutMs: 120_000 });
    repo = await makeRepo();
  });

  after(async () => {
    for (const app of Object.values(apps)) await purgeApp(docker, app, { removeVolumes: true }).catch(() => undefined);
    const leftovers = await docker.listContainers({ all: true, filters: { label: [`deployflow.test=${run}`] } });
    await Promise.all(
      leftovers.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    const images = await docker.listImages({ all: true, filters: { label: [`deployflow.test=${run}`] } });
    for (const i of images.sort((a, b) => b.Created - a.Created))
      await docker
        .getImage(i.Id)
        .remove({ force: true })
        .catch(() => undefined);
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
    await repo.cleanup();
  });

  function deps(publish: (u: Upstream[]) => Promise<void>, extra: Partial<ReleaseDeps> = {}): ReleaseDeps {
    return { docker, log: sink, publish, network, healthTimeoutMs: 20_000, drainMs: 500, stopGraceSeconds: 2, ...extra };
  }

  it('builds a repo Dockerfile from a commit, streams its output, and reuses the layer cache', async () => {
    const sha = await repo.commit(dockerfileApp(base, 'own-v1'));
    const lines: string[] = [];
    const first = await builder.build({
      app: apps.own,
      deploymentId: 'd1',
      source: { kind: 'git', repo: repo.bare, commit: sha },
      log: (l) => lines.push(l),
      labels: testLabel,
    });
    assert.equal(first.detected, 'dockerfile');
    assert.equal(first.port, 8080, 'the port comes from the image EXPOSE');
    assert.equal(first.image, `deployflow/${apps.own}:d1`);
    // BuildKit's steps, as `docker build --progress=plain` prints them.
    assert.ok(lines.includes('-----> Building image ' + first.image));
    assert.ok(
      lines.some((l) => /^#\d+ \[2\/3\] WORKDIR \/srv$/.test(l)) && lines.some((l) => /^#\d+ DONE \d+\.\ds$/.test(l)),
      lines.join('\n'),
    );
    const again: string[] = [];
    await builder.build({
      app: apps.own,
      deploymentId: 'd1b',
      source: { kind: 'git', repo: repo.bare, commit: sha },
      log: (l) => again.push(l),
      labels: testLabel,
    });
    assert.ok(again.filter((l) => /^#\d+ CACHED$/.test(l)).length >= 2, again.join('\n'));
    const inspect = await docker.getImage(first.image).inspect();
    assert.ok(inspect.RepoTags?.includes(first.image), 'the image is found by its app repository');
    assert.equal(inspect.Config.Labels?.['deployflow.deployment'], undefined, 'no per-deployment label step in the build');
  });

  it('builds with the classic builder when told to, its output streamed too', async () => {
    const sha = await repo.commit(dockerfileApp(base, 'own-legacy'));
    const classic = createBuilder({ docker, images: loadConfig({ DEPLOYFLOW_IMAGE_NODE: base }).images, engine: 'legacy' });
    const lines: string[] = [];
    const built = await classic.build({
      app: apps.own,
      deploymentId: 'd2',
      source: { kind: 'git', repo: repo.bare, commit: sha },
      log: (l) => lines.push(l),
      labels: testLabel,
    });
    assert.equal(built.port, 8080);
    assert.ok(
      lines.some((l) => /^Step 1\/\d+ : FROM /.test(l)) && lines.some((l) => l.startsWith('Successfully tagged')),
      lines.join('\n'),
    );
  });

  it('refuses a repo whose symlink escapes the tree, before Docker sees it', async () => {
    const sha = await repo.commit({ ...detectedApp('x'), 'data/evil': { symlink: '../../../../etc/passwd' } });
    await assert.rejects(
      builder.build({ app: apps.auto, deploymentId: 'evil', source: { kind: 'git', repo: repo.bare, commit: sha }, log: sink }),
      dfCode('DF_ERR_UNSAFE_ARCHIVE'),
    );
  });

  it('releases an auto-detected app, switches to a new version only after health, and fails safely', async () => {
    const v1 = await builder.build({
      app: apps.auto,
      deploymentId: 'a1',
      source: { kind: 'git', repo: repo.bare, commit: await repo.commit(detectedApp('v1')) },
      log: sink,
      labels: testLabel,
    });
    assert.equal(v1.detected, 'node');
    assert.equal(v1.port, 5000);
    assert.equal((await docker.getImage(v1.image).inspect()).Config.User, 'node', 'generated images do not run as root');
    const spec: ReleaseSpec = {
      app: apps.auto,
      deploymentId: 'a1',
      image: v1.image,
      replicas: 1,
      port: v1.port,
      env: { GREETING: 'hello', SECRET_TOKEN: 'sekrit-value-42' },
      limits: { memoryMb: 128, cpus: 0.5 },
      pidsLimit: 64,
      healthcheck: { path: '/' },
      volumes: [{ name: 'data', path: '/data' }],
      labels: testLabel,
    };
    const published: Upstream[][] = [];
    const first = await release(
      deps(async (u) => {
        published.push(u);
      }),
      spec,
    );
    const port1 = first.upstreams[0]?.port ?? 0;
    assert.deepEqual(published, [first.upstreams]);
    assert.deepEqual(await get(port1), { status: 200, body: 'v1 hello' });

    const info = await docker.getContainer(first.containers[0]?.id ?? '').inspect();
    assert.equal(info.Name, `/${apps.auto}.a1.1`);
    assert.equal(info.HostConfig.Memory, 128 * 1024 * 1024);
    assert.equal(info.HostConfig.NanoCpus, 500_000_000);
    assert.equal(info.HostConfig.PidsLimit, 64);
    assert.deepEqual(info.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
    assert.deepEqual(info.HostConfig.PortBindings?.['5000/tcp'], [{ HostIp: '127.0.0.1', HostPort: '' }]);
    assert.equal(info.NetworkSettings.Ports['5000/tcp']?.[0]?.HostIp, '127.0.0.1');
    assert.equal(info.Config.Labels['deployflow.app'], apps.auto);
    assert.equal(info.Config.Labels['deployflow.deployment'], 'a1');
    assert.ok(info.NetworkSettings.Networks[network]?.Aliases?.includes(apps.auto));
    assert.equal(info.Mounts.find((m) => m.Destination === '/data')?.Name, `deployflow.${apps.auto}.data`);

    // Redeploy: while publish runs, the new replica already answers and the old one still does.
    const v2 = await builder.build({
      app: apps.auto,
      deploymentId: 'a2',
      source: { kind: 'git', repo: repo.bare, commit: await repo.commit(detectedApp('v2')) },
      log: sink,
      labels: testLabel,
    });
    const seenAtPublish: string[] = [];
    const second = await release(
      deps(async (u) => {
        seenAtPublish.push((await get(port1)).body, (await get(u[0]?.port ?? 0)).body);
      }),
      { ...spec, deploymentId: 'a2', image: v2.image },
    );
    assert.deepEqual(seenAtPublish, ['v1 hello', 'v2 hello']);
    assert.deepEqual(second.retired, [`${apps.auto}.a1.1`]);
    await assert.rejects(docker.getContainer(first.containers[0]?.id ?? '').inspect(), /no such container/i);
    const port2 = second.upstreams[0]?.port ?? 0;
    assert.equal((await get(port2)).body, 'v2 hello');

    // A release that never turns healthy: nothing published, its container gone, v2 still serving.
    let publishedBad = false;
    await assert.rejects(
      release(
        deps(
          async () => {
            publishedBad = true;
          },
          { healthTimeoutMs: 4_000 },
        ),
        { ...spec, deploymentId: 'a3', image: v2.image, env: { ...spec.env, HEALTH_STATUS: '500' } },
      ),
      (err: unknown) => {
        dfCode('DF_ERR_HEALTHCHECK_FAILED')(err);
        const details = (err as { details: { reason: string; logs: string[] } }).details;
        assert.match(details.reason, /answered 500/);
        assert.ok(
          details.logs.some((l) => l.includes('starting in unhealthy mode')),
          details.logs.join('\n'),
        );
        return true;
      },
    );
    assert.equal(publishedBad, false);
    const after3 = await listAppContainers(docker, apps.auto);
    assert.deepEqual(
      after3.map((c) => c.name),
      [`${apps.auto}.a2.1`],
    );
    assert.equal((await get(port2)).body, 'v2 hello');
    assert.ok(!log.some((l) => l.includes('sekrit-value-42')), 'env values never reach the log');
    assert.ok(log.includes('-----> Starting ' + `${apps.auto}.a2.1`));

    // Stop. Scale and start are control's (converge), tested through the API in ops-operations.
    assert.deepEqual(await stopAppContainers(docker, apps.auto, 2), [`${apps.auto}.a2.1`]);
    assert.equal((await listAppContainers(docker, apps.auto))[0]?.running, false);

    await purgeApp(docker, apps.auto, { removeVolumes: true });
    assert.deepEqual(await listAppContainers(docker, apps.auto), []);
    assert.deepEqual(await docker.listImages({ filters: { reference: [`deployflow/${apps.auto}`] } }), []);
  });

  it('stops a build at its deadline, reports a failing build with its last lines, and queues builds', async () => {
    const slow = await repo.commit({ Dockerfile: `FROM ${base}\nLABEL deployflow.test=${run}\nRUN sleep 60\n` });
    const broken = await repo.commit({ Dockerfile: `FROM ${base}\nLABEL deployflow.test=${run}\nRUN echo about to fail && exit 3\n` });
    const quick = createBuilder({
      docker,
      images: loadConfig({ DEPLOYFLOW_IMAGE_NODE: base }).images,
      maxConcurrentBuilds: 1,
      buildTimeoutMs: 3_000,
    });
    const brokenLog: string[] = [];
    const [a, b] = await Promise.allSettled([
      quick.build({ app: apps.bad, deploymentId: 'slow', source: { kind: 'git', repo: repo.bare, commit: slow }, log: sink }),
      quick.build({
        app: apps.bad,
        deploymentId: 'broken',
        source: { kind: 'git', repo: repo.bare, commit: broken },
        log: (l) => brokenLog.push(l),
      }),
    ]);
    assert.equal(a.status, 'rejected');
    if (a.status === 'rejected') dfCode('DF_ERR_BUILD_TIMEOUT')(a.reason);
    assert.equal(b.status, 'rejected');
    if (b.status === 'rejected') {
      dfCode('DF_ERR_BUILD_FAILED')(b.reason);
      const last = (b.reason as { details: { lines: string[] } }).details.lines;
      assert.ok(
        last.some((l) => /^#\d+ about to fail$/.test(l)),
        last.join('\n'),
      );
    }
    assert.match(brokenLog[0] ?? '', /^-----> Waiting for a build slot/);
  });
});
