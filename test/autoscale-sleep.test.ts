// `minReplicas: 0` with scale to zero, end to end: real Docker, Redis, control and gateway. An
// autoscaled app set to sleep after 2 s idle goes to sleep, load wakes it and the autoscaler scales
// it up, and when the load ends it goes back to sleep — the autoscaler neither keeps it awake nor
// touches it while it sleeps (no decision, no replica started, its count kept for the wake) — and
// the next request wakes it with the replicas it slept with, after which it sleeps again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor, type OpsStack } from './ops-fixtures.js';
import { appStatus, gatewayGet, loadGateway, runningContainers, startAutoscaleStack, type AutoscaleStack } from './support/autoscale.js';

const APP = 'napper';
const HOST = `${APP}.paas.test`;

interface Status {
  state: string;
  replicas: Array<{ state: string }>;
  sleep: { sleeping: boolean; wakes: number };
  autoscale: { replicas: number; decisions: Array<{ at: number; kind: string; from: number; to: number; message: string }> };
}

describe('autoscaling with minReplicas 0 and scale to zero', () => {
  let stack: AutoscaleStack;
  let s: OpsStack;
  let gatewayPort: number;

  const status = (): Promise<Status> => appStatus<Status>(s, APP);
  const running = (): Promise<number> => runningContainers(s, APP);
  const asleep = async (): Promise<boolean> => (await s.route(APP))?.sleeping === true && (await running()) === 0;

  before(async () => {
    // A scale-down needs the whole window calm: 10 s after the load, longer than the 2 s idle
    // time (and the gateways' 2 s reports) takes to put the app to sleep.
    stack = await startAutoscaleStack({ DEPLOYFLOW_AUTOSCALE_WINDOW_SECONDS: '10' });
    ({ s, gatewayPort } = stack);
    await s.deploy(APP, 'v1', {
      scaleToZero: { idleSeconds: 2 },
      autoscale: { minReplicas: 0, maxReplicas: 2, target: { rps: 5 } },
    });
  });
  after(async () => {
    await stack?.stop([APP]);
  });

  it('sleeps when idle, is scaled up awake, and is left alone asleep and after the next wake', async () => {
    // No traffic: asleep after the idle time, though the autoscaler's own floor is 1.
    await waitFor(asleep, 'the idle app to sleep', 30_000);
    assert.equal((await status()).state, 'sleeping');

    // Load wakes it (held requests forwarded) and the autoscaler scales it up.
    const busy = loadGateway(gatewayPort, HOST, 4, 100);
    try {
      await waitFor(
        async () => {
          const st = await status();
          return st.autoscale.replicas === 2 && (await running()) === 2;
        },
        'the woken app to scale up to 2 replicas',
        90_000,
      );
      await waitFor(async () => busy.hosts.size >= 2, 'answers from both replicas', 20_000);
    } finally {
      await busy.stop();
    }
    assert.deepEqual(busy.failed, [], 'the requests that woke the app got its answer');
    const up = (await status()).autoscale.decisions.filter((d) => d.kind === 'up');
    assert.deepEqual(
      up.map((d) => [d.from, d.to]),
      [[1, 2]],
    );

    // The load ends: the app goes back to sleep; the autoscaler, which just scaled it up, does not keep it awake.
    await waitFor(asleep, 'the app to sleep again after the load', 30_000);
    const slept = await status();
    assert.equal(slept.state, 'sleeping');
    assert.equal(slept.autoscale.replicas, 2, 'it sleeps with the count it had');

    // Asleep past the autoscaler's window and cool-down (it would scale 2 → 1 on calm figures if
    // it looked at a sleeping app): nothing is decided, started or changed.
    for (let i = 0; i < 24; i++) {
      await delay(500);
      assert.equal(await running(), 0, 'no replica is started while the app sleeps');
      assert.equal((await s.route(APP))?.sleeping, true, 'the route stays sleeping');
    }
    const still = await status();
    assert.equal(still.state, 'sleeping');
    assert.equal(still.autoscale.replicas, 2, 'the count is kept for the wake');
    assert.deepEqual(still.autoscale.decisions, slept.autoscale.decisions, 'no decision while asleep');
    const wakes = still.sleep.wakes;

    // One request wakes it with the replicas it slept with; then, left alone, it sleeps again.
    const woken = await gatewayGet(gatewayPort, HOST, '/again');
    assert.equal(woken.status, 200, woken.body);
    assert.match(woken.body, /^v1 /);
    const awake = await status();
    assert.equal(awake.sleep.wakes, wakes + 1);
    assert.equal(awake.replicas.filter((r) => r.state === 'running').length, 2);
    await waitFor(asleep, 'the woken app to sleep again with no traffic', 30_000);
    const last = await status();
    assert.equal(last.state, 'sleeping');
    const since = last.autoscale.decisions.filter((d) => d.at > still.autoscale.decisions[0]!.at);
    assert.ok(
      since.every((d) => d.kind === 'down'),
      `after the wake the autoscaler at most scaled down: ${JSON.stringify(since)}`,
    );
  });
});
