// Scale to zero end to end with real Docker, Redis and the gateway: an idle app goes to sleep
// (containers stopped, route sleeping), 20 concurrent requests wake it with one container start
// and all get the app's answer, a deploy to a sleeping app serves and it sleeps again, and an app
// that crashes when woken answers 503 with Retry-After, stays asleep, has the reason in its runtime
// log and its owner's notifications, and is not started in a loop.
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { listAppContainers, LABEL_APP, purgeApp } from '../builder/index.js';
import { sleepState } from '../control/edge/state.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig, request } from '../gateway/testing/harness.js';
import { OPS_SERVER_JS, startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';
import { deployVolumeApp } from './support/sleep.js';

const APP = 'sleepy-web';
const CRASHY = 'sleepy-crash';

/**
 * How long the gateway holds a request for a waking app. A failed wake is several Docker calls
 * (start, crash seen, converge's remove + create + start, crash seen, stop): on a box at load 15–20
 * they took more than the 20 s this once was, and the held requests got DF_ERR_APP_WAKING instead.
 */
const WAKE_TIMEOUT_MS = process.env.DF_TEST_WAKE_TIMEOUT_MS ?? '90000';

/** Starts once; every later start (a wake) finds the marker in its volume and exits. */
const RUN = Math.random().toString(36).slice(2, 10);
const CRASH_SECOND_START = `
const fs = require('node:fs');
if (fs.existsSync('/data/started-${RUN}')) { console.error('refusing to start twice'); process.exit(1); }
fs.writeFileSync('/data/started-${RUN}', '1');
${OPS_SERVER_JS}`;

describe('scale to zero', () => {
  let s: OpsStack;
  let gateway: RunningService;
  let port: number;
  const starts: string[] = [];
  let events: Readable;

  before(async () => {
    s = await startOpsStack({ DEPLOYFLOW_WAKE_BACKOFF_SECONDS: '120' });
    const config = await gatewayConfig(s.redis.url, {
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GATEWAY_WAKE_TIMEOUT_MS: WAKE_TIMEOUT_MS,
      GATEWAY_ACCESS_LOG: 'off',
    });
    gateway = await startGateway(config, createLogger('gateway', 'silent'));
    port = config.gatewayHttpPort;
    // Container starts, and the tags of caughtUp()'s sentinels: the stream delivers events in the
    // engine's order, so once a sentinel made after some starts arrives, those starts have too.
    events = (await s.docker.getEvents({ filters: { type: ['container', 'image'], event: ['start', 'tag'] } })) as unknown as Readable;
    let partial = '';
    events.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const e = JSON.parse(line) as { Type?: string; Actor?: { Attributes?: Record<string, string> } };
        const attributes = e.Actor?.Attributes ?? {};
        if (e.Type === 'image') sentinels.add(attributes.name ?? '');
        else if (attributes[LABEL_APP]) starts.push(attributes[LABEL_APP]);
      }
    });
  });
  after(async () => {
    events?.destroy();
    await gateway?.stop();
    await purgeApp(s.docker, CRASHY, { removeVolumes: true }).catch(() => undefined);
    await s.cleanup([APP, CRASHY]);
  });

  const startsOf = (app: string): number => starts.filter((a) => a === app).length;
  const sentinels = new Set<string>();
  /** Waits until Docker's event stream delivered every event before this call (a waited time is not enough on a loaded box). */
  const caughtUp = async (): Promise<void> => {
    const tag = `${RUN}-${sentinels.size}-${Date.now()}`;
    const name = `df-test-sentinel:${tag}`;
    await s.docker.getImage(s.base).tag({ repo: 'df-test-sentinel', tag });
    try {
      await waitFor(async () => sentinels.has(name), 'the Docker event stream to catch up', 60_000);
    } finally {
      await s.docker
        .getImage(name)
        .remove()
        .catch(() => undefined);
    }
  };
  const sleeping = async (app: string): Promise<boolean> =>
    (await s.route(app))?.sleeping === true && (await listAppContainers(s.docker, app)).every((c) => !c.running);

  it('puts an idle app to sleep and wakes it once for 20 concurrent requests', async () => {
    await s.deploy(APP, 'v1');
    const patched = await s.owner.request('PATCH', `/api/v1/apps/${APP}`, { scaleToZero: { idleSeconds: 2 } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await waitFor(() => sleeping(APP), 'the idle app to sleep', 30_000);
    assert.deepEqual((await s.route(APP))?.upstreams, [], 'a sleeping route has no upstreams');
    assert.equal((await listAppContainers(s.docker, APP)).length, 1, 'containers are stopped, not removed');
    const store = s.control.service.deps.store;
    assert.equal((await sleepState(store, APP)).sleeping, true);
    const asleep = await s.owner.get(`/api/v1/apps/${APP}/status`);
    assert.equal(asleep.body.state, 'sleeping');
    assert.equal(asleep.body.sleep.sleeping, true);

    const before = startsOf(APP);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => request(port, `${APP}.paas.test`, `/r${i}`)));
    assert.deepEqual(
      replies.map((r) => r.status),
      Array.from({ length: 20 }, () => 200),
    );
    for (const r of replies) assert.match(r.body, /^v1 /);
    const state = await sleepState(store, APP);
    assert.equal(state.sleeping, false);
    assert.equal(state.wakes, 1, 'one wake for 20 requests');
    assert.ok(state.lastColdStartMs !== null && state.wokeAt !== null);
    await caughtUp();
    assert.equal(startsOf(APP) - before, 1, 'exactly one container start');
    const awake = await s.owner.get(`/api/v1/apps/${APP}/status`);
    assert.equal(awake.body.state, 'running');
    assert.equal(awake.body.sleep.wakes, 1);
    assert.equal(typeof awake.body.sleep.lastColdStartMs, 'number');
    const metrics = await s.owner.get(`/api/v1/apps/${APP}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.body.sleep.wakes, 1, 'the metrics count the wake');
    assert.equal(metrics.body.sleep.lastColdStartMs, state.lastColdStartMs);
    assert.equal(metrics.body.sleep.averageColdStartMs, state.lastColdStartMs, 'one cold start is its own average');
    assert.deepEqual(
      metrics.body.sleep.coldStarts.map((c: { ms: number }) => c.ms),
      [state.lastColdStartMs],
    );
  });

  it('a deploy to a sleeping app serves, and the app sleeps again after the idle time', async () => {
    await waitFor(() => sleeping(APP), 'the app to sleep again', 30_000);
    await s.deploy(APP, 'v2');
    const r = await request(port, `${APP}.paas.test`, '/');
    assert.equal(r.status, 200);
    assert.match(r.body, /^v2 /);
    assert.equal((await sleepState(s.control.service.deps.store, APP)).sleeping, false);
    await waitFor(() => sleeping(APP), 'the redeployed app to sleep', 30_000);
  });

  it('a sleeping app whose route Redis lost gets it back sleeping from the reconciler, and a request wakes it', async () => {
    await s.probe.flushall();
    assert.equal(await s.route(APP), undefined, 'the route table is empty');
    await s.control.service.deps.reconciler!.run();
    const route = await s.route(APP);
    assert.equal(route?.sleeping, true, 'the route is back, sleeping (not missing: that would answer 404)');
    assert.deepEqual(route?.upstreams, []);
    const r = await request(port, `${APP}.paas.test`, '/after-flush');
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /^v2 /);
  });

  it('a wake that fails answers 503, leaves the app asleep and is not retried in a loop', async () => {
    await deployVolumeApp(s, CRASHY, CRASH_SECOND_START);
    assert.equal((await s.owner.request('PATCH', `/api/v1/apps/${CRASHY}`, { scaleToZero: { idleSeconds: 1 } })).status, 200);
    await waitFor(() => sleeping(CRASHY), 'the crashing app to sleep', 30_000);

    await caughtUp();
    const before = startsOf(CRASHY);
    const asked = Date.now();
    const first = await Promise.all(Array.from({ length: 5 }, () => request(port, `${CRASHY}.paas.test`, '/')));
    assert.deepEqual(
      first.map((r) => r.status),
      [503, 503, 503, 503, 503],
    );
    const answers = `after ${Date.now() - asked} ms: ${first.map((r) => r.body.slice(0, 120)).join(' | ')}`;
    for (const r of first) assert.match(r.body, /DF_ERR_WAKE_FAILED/, answers);
    for (const r of first) assert.ok(Number(r.headers['retry-after']) >= 1, 'Retry-After says when to come back');
    const state = await sleepState(s.control.service.deps.store, CRASHY);
    assert.equal(state.sleeping, true);
    assert.match(state.lastWakeError ?? '', /exited|healthy/);
    assert.ok(await sleeping(CRASHY), 'nothing half-started keeps running');
    const status = await s.owner.get(`/api/v1/apps/${CRASHY}/status`);
    assert.equal(status.body.state, 'sleeping', 'visible as asleep');
    assert.match(status.body.sleep.lastWakeError ?? '', /exited|healthy/);
    await caughtUp();
    const afterFirst = startsOf(CRASHY);
    assert.ok(afterFirst - before >= 1, 'the wake started a container');

    // The reason is where the app's people look: its runtime log and their notifications.
    const logs = await s.owner.get(`/api/v1/apps/${CRASHY}/logs?tail=200`);
    assert.equal(logs.status, 200);
    assert.match(String(logs.body), new RegExp(`^deployflow \\| Waking ${CRASHY} failed: .*(exited|healthy).* It stays asleep`, 'm'));
    const notice = await waitFor(
      async () => {
        const list = (await s.owner.get('/api/v1/notifications')).body as { items: { kind: string; app: string; message: string }[] };
        return list.items.find((n) => n.kind === 'wake.failed' && n.app === CRASHY);
      },
      'the wake.failed notification',
      30_000,
    );
    assert.match(notice.message, /failed: .*(exited|healthy)/);

    // A flood during the back-off starts nothing.
    const flood = await Promise.all(Array.from({ length: 30 }, () => request(port, `${CRASHY}.paas.test`, '/')));
    assert.ok(flood.every((r) => r.status === 503 && /DF_ERR_WAKE_FAILED/.test(r.body)));
    await caughtUp();
    assert.equal(startsOf(CRASHY), afterFirst, 'no container start during the back-off');
  });
});
