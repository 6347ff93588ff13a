// Runtime logs and metrics of a deployed app, against real Docker: the tail merges every
// replica's output with its name, the follower emits lines printed after it started (stdout
// and stderr told apart), and the sampler's timer fills the metrics API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { followAppLogs } from '../control/runtime/logs.js';
import type { AppLogLine } from '../control/server/events.js';
import { answer, startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';

const APP = 'ops-runtime';

describe('runtime logs and metrics', () => {
  let s: OpsStack;
  let port: number;

  before(async () => {
    s = await startOpsStack({ DEPLOYFLOW_METRICS_INTERVAL_SECONDS: '1' });
    await s.deploy(APP, 'v1', { replicas: 2 });
    port = (await s.route(APP))!.upstreams[0]!.port;
  });
  after(() => s.cleanup([APP]));

  it('tails the logs of every replica, each line prefixed with its replica', async () => {
    await answer(port, '/tail-marker');
    const res = await s.owner.get(`/api/v1/apps/${APP}/logs?tail=50`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const lines = (res.body as string).trim().split('\n');
    const listening = lines.filter((l) => /^ops-runtime\.[a-z0-9]+\.\d+ \| listening on 8080$/.test(l));
    assert.equal(listening.length, 2, res.body);
    assert.ok(lines.some((l) => / \| GET \/tail-marker$/.test(l)));
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}/logs?tail=1`)).body.trim().split('\n').length, 1);
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}/logs?tail=0`)).status, 400);
  });

  it('follows new lines as app.log events while someone listens', async () => {
    const seen: AppLogLine[] = [];
    const onLine = (l: AppLogLine): void => {
      seen.push(l);
    };
    const deps = s.control.service.deps;
    deps.events.on('app.log', onLine);
    const stop = followAppLogs(deps, APP);
    try {
      // The follower attaches asynchronously; keep asking until a request's line comes through.
      const line = await waitFor(
        async () => {
          await answer(port, '/follow-me');
          await answer(port, '/err');
          return seen.some((l) => l.stream === 'stderr') && seen.find((l) => l.line === 'GET /follow-me');
        },
        'a followed line',
        15_000,
      );
      assert.equal(line.app, APP);
      assert.equal(line.stream, 'stdout');
      assert.match(line.replica, /^ops-runtime\./);
      assert.ok(Math.abs(line.at - Date.now()) < 15_000);
      assert.equal(seen.find((l) => l.stream === 'stderr')?.line, 'oops /err');
      assert.ok(!seen.some((l) => l.line === 'listening on 8080'), 'lines from before the follow are not replayed');
    } finally {
      stop();
      deps.events.off('app.log', onLine);
    }
    const count = seen.length;
    await answer(port, '/after-unsubscribe');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(seen.length, count, 'nothing is emitted once the last listener left');
  });

  it('samples CPU, memory and network into the metrics API and app.metrics events', async () => {
    const events: unknown[] = [];
    s.control.service.deps.events.on('app.metrics', (e: { app: string }) => {
      if (e.app === APP) events.push(e);
    });
    const since = Date.now();
    const samples = await waitFor(
      async () => {
        const res = await s.owner.get(`/api/v1/apps/${APP}/metrics?since=${since}`);
        // A tick can catch only one replica (its stats call lost a race with a busy daemon);
        // wait for one that saw both.
        const both = res.body.samples.filter((x: { replicas: unknown[] }) => x.replicas.length === 2);
        return both.length > 0 ? both : null;
      },
      'a metrics sample of both replicas',
      30_000,
    );
    const sample = samples[0];
    for (const key of ['at', 'cpuPercent', 'memoryBytes', 'memoryLimitBytes', 'networkRxBytes', 'networkTxBytes'])
      assert.equal(typeof sample[key], 'number', key);
    assert.ok(sample.at > since);
    assert.ok(sample.memoryBytes > 0);
    assert.equal(sample.memoryLimitBytes, 2 * 64 * 1024 * 1024, 'two replicas of 64 MB');
    assert.ok(sample.networkRxBytes > 0, 'the replicas have received traffic');
    assert.equal(sample.replicas.length, 2);
    assert.ok(events.length > 0);
    const all = (await s.owner.get(`/api/v1/apps/${APP}/metrics`)).body.samples.length;
    assert.ok(all >= samples.length, 'without since, the whole history');
  });
});
