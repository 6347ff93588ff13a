// Scale to zero as its owner sees it, with real Docker, Redis and the gateway: what GET
// /apps/:name/status and GET /apps/:name/metrics say before a sleep, during it and after a wake
// (sleeping, woke at, wakes, last cold start: the same figures in both), the metrics series
// showing 0 replicas while the app sleeps, and an app's volume keeping what it wrote before the
// sleep: a request that wakes the app reads it back, whether the wake started the stopped
// container again or (the container gone meanwhile) created a new one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { listAppContainers, purgeApp } from '../builder/index.js';
import { sleepState } from '../control/edge/state.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig, request } from '../gateway/testing/harness.js';
import { startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';
import { deployVolumeApp } from './support/sleep.js';

const APP = 'sleepy-notes';
const WAKE_TIMEOUT_MS = process.env.DF_TEST_WAKE_TIMEOUT_MS ?? '90000';
const NOTE = `note-${Math.random().toString(36).slice(2, 10)}`;

/** GET /write/<text> keeps <text> in the volume, GET /read answers it, GET / is the health check. */
const NOTES_SERVER_JS = `
const fs = require('node:fs');
const http = require('node:http');
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  if (req.url.startsWith('/write/')) {
    fs.writeFileSync('/data/note', decodeURIComponent(req.url.slice(7)));
    return res.end('written');
  }
  if (req.url === '/read') return res.end(fs.existsSync('/data/note') ? fs.readFileSync('/data/note', 'utf8') : '(no note)');
  res.end('ok');
}).listen(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

interface Sample {
  at: number;
  cpuPercent: number;
  memoryBytes: number;
  replicas: unknown[];
}
interface SleepFigures {
  sleeping: boolean;
  wokeAt: number | null;
  wakes: number;
  lastColdStartMs: number | null;
  coldStarts: { at: number; ms: number }[];
}

describe('scale to zero: status, metrics and volumes', () => {
  let s: OpsStack;
  let gateway: RunningService;
  let port: number;

  before(async () => {
    s = await startOpsStack();
    const config = await gatewayConfig(s.redis.url, {
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GATEWAY_WAKE_TIMEOUT_MS: WAKE_TIMEOUT_MS,
      GATEWAY_ACCESS_LOG: 'off',
    });
    gateway = await startGateway(config, createLogger('gateway', 'silent'));
    port = config.gatewayHttpPort;
  });
  after(async () => {
    await gateway?.stop();
    await purgeApp(s.docker, APP, { removeVolumes: true }).catch(() => undefined);
    await s.cleanup([APP]);
  });

  const sleeping = async (): Promise<boolean> =>
    (await s.route(APP))?.sleeping === true && (await listAppContainers(s.docker, APP)).every((c) => !c.running);
  const status = async (): Promise<{ state: string; sleep: Omit<SleepFigures, 'coldStarts'> }> => {
    const res = await s.owner.get(`/api/v1/apps/${APP}/status`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const metrics = async (since = 0): Promise<{ samples: Sample[]; sleep: SleepFigures }> => {
    const res = await s.owner.get(`/api/v1/apps/${APP}/metrics?since=${since}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const setIdle = async (idleSeconds: number): Promise<void> => {
    const patched = await s.owner.request('PATCH', `/api/v1/apps/${APP}`, { scaleToZero: { idleSeconds } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  };
  /** Asks through the gateway, timed: `asked` before the request left, `answered` after the answer. */
  const timed = async (path: string): Promise<{ status: number; body: string; asked: number; answered: number }> => {
    const asked = Date.now();
    const r = await request(port, `${APP}.paas.test`, path);
    return { status: r.status, body: r.body, asked, answered: Date.now() };
  };

  it('keeps what the app wrote to its volume across a sleep, and status and metrics agree on the wake', async () => {
    await deployVolumeApp(s, APP, NOTES_SERVER_JS);
    // The metrics sampler runs on no timer here (DEPLOYFLOW_METRICS_INTERVAL_SECONDS=0): one sample per tick.
    const sampler = s.control.service.deps.metrics!;
    const since = Date.now() - 1;
    await sampler.tick();

    const written = await request(port, `${APP}.paas.test`, `/write/${NOTE}`);
    assert.equal(written.status, 200, written.body);
    assert.equal(written.body, 'written');
    const fresh = await status();
    assert.equal(fresh.state, 'running');
    assert.deepEqual(fresh.sleep, { sleeping: false, wokeAt: null, wakes: 0, lastColdStartMs: null, lastWakeError: null });

    await setIdle(1);
    await waitFor(sleeping, 'the idle app to sleep', 30_000);
    // Kept asleep from here on: a long idle time so the assertions after the wake see it awake.
    await setIdle(600);
    const asleep = await status();
    assert.equal(asleep.state, 'sleeping');
    assert.deepEqual(asleep.sleep, { sleeping: true, wokeAt: null, wakes: 0, lastColdStartMs: null, lastWakeError: null });
    const asleepMetrics = await metrics();
    assert.equal(asleepMetrics.sleep.sleeping, true);
    assert.equal(asleepMetrics.sleep.wokeAt, null);
    assert.equal(asleepMetrics.sleep.wakes, 0);
    await sampler.tick();

    // The request that wakes the app reads the note written before the sleep.
    const read = await timed('/read');
    assert.equal(read.status, 200, read.body);
    assert.equal(read.body, NOTE, 'the volume kept the note across the sleep');
    const stored = await sleepState(s.control.service.deps.store, APP);
    assert.ok(stored.sleptAt !== null && stored.wokeAt !== null);
    const woke = await status();
    assert.equal(woke.state, 'running');
    assert.equal(woke.sleep.sleeping, false);
    assert.equal(woke.sleep.wakes, 1);
    assert.equal(woke.sleep.wokeAt, stored.wokeAt);
    assert.ok(
      woke.sleep.wokeAt! >= read.asked && woke.sleep.wokeAt! <= read.answered,
      `woke at ${woke.sleep.wokeAt}, between the request (${read.asked}) and its answer (${read.answered})`,
    );
    const cold = woke.sleep.lastColdStartMs;
    assert.ok(
      typeof cold === 'number' && cold >= 0 && cold <= read.answered - read.asked,
      `cold start ${cold} ms, within the request's ${read.answered - read.asked} ms`,
    );
    const wokeMetrics = await metrics();
    assert.equal(wokeMetrics.sleep.sleeping, false);
    assert.equal(wokeMetrics.sleep.wakes, 1);
    assert.equal(wokeMetrics.sleep.wokeAt, woke.sleep.wokeAt, 'the metrics say when it woke, as the status does');
    assert.equal(wokeMetrics.sleep.lastColdStartMs, cold);
    assert.deepEqual(wokeMetrics.sleep.coldStarts, [{ at: woke.sleep.wokeAt, ms: cold }]);

    // The replica count over time: 1 awake, 0 while asleep (no CPU or memory), 1 again after the wake.
    await sampler.tick();
    const series = (await metrics(since)).samples;
    assert.deepEqual(
      series.map((x) => x.replicas.length),
      [1, 0, 1],
    );
    const [, slept] = series;
    assert.ok(slept!.at > stored.sleptAt! && slept!.at < stored.wokeAt!, 'the empty sample is from the sleep');
    assert.deepEqual([slept!.cpuPercent, slept!.memoryBytes], [0, 0]);
    assert.ok(series[0]!.memoryBytes > 0 && series[2]!.memoryBytes > 0, 'the awake samples measure the replica');
  });

  it('keeps the volume when the wake has to create the container again', async () => {
    await setIdle(1);
    await waitFor(sleeping, 'the app to sleep again', 30_000);
    await setIdle(600);
    const [gone] = await listAppContainers(s.docker, APP);
    assert.ok(gone, 'the sleeping app has its stopped container');
    await s.docker.getContainer(gone.id).remove({ force: true });
    assert.deepEqual(await listAppContainers(s.docker, APP), []);

    const read = await timed('/read');
    assert.equal(read.status, 200, read.body);
    assert.equal(read.body, NOTE, 'the new container mounts the same volume');
    const now = await listAppContainers(s.docker, APP);
    assert.equal(now.length, 1);
    assert.notEqual(now[0]!.id, gone.id, 'the wake created a new container');
    const woke = await status();
    assert.equal(woke.sleep.sleeping, false);
    assert.equal(woke.sleep.wakes, 2);
    assert.ok(woke.sleep.wokeAt! >= read.asked && woke.sleep.wokeAt! <= read.answered);
    const m = await metrics();
    assert.equal(m.sleep.wakes, 2);
    assert.equal(m.sleep.wokeAt, woke.sleep.wokeAt);
    assert.equal(m.sleep.lastColdStartMs, woke.sleep.lastColdStartMs);
    assert.deepEqual(
      m.sleep.coldStarts.map((c) => c.at),
      [m.sleep.coldStarts[0]!.at, woke.sleep.wokeAt],
    );
  });
});
