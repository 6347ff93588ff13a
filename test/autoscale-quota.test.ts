// Autoscaling against the owner's quota, end to end: real Docker, Redis, control and gateway. The
// owner (a developer) may reserve 128 MB; the app takes 64 MB a replica and may autoscale to 4.
// Sustained load asks for 4: the autoscaler takes the 2 that fit and stays there, and the refusal
// is where the app's people look — GET /apps/:name/status (autoscale.refusal), an
// `autoscale.refused` notification and one line in the app's log — said once, not at every
// decision while the load goes on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor, type OpsStack } from './ops-fixtures.js';
import { appStatus, loadGateway, runningContainers, startAutoscaleStack, type AutoscaleStack } from './support/autoscale.js';

const APP = 'capped';
const REFUSAL = new RegExp(
  `^could not scale ${APP} [12] → [34]( \\(only to 2\\))?: Memory quota exceeded: the owner's apps would reserve (192|256) MB; the limit is 128 MB$`,
);

interface Status {
  replicas: Array<{ state: string }>;
  autoscale: {
    replicas: number;
    refusal: { at: number; message: string } | null;
    decisions: Array<{ kind: string; from: number; to: number; message: string }>;
  };
}

describe("autoscaling within the owner's quota", () => {
  let stack: AutoscaleStack;
  let s: OpsStack;
  let gatewayPort: number;

  const status = (): Promise<Status> => appStatus<Status>(s, APP);
  const running = (): Promise<number> => runningContainers(s, APP);
  const refusalLines = async (): Promise<string[]> => {
    const logs = await s.owner.get(`/api/v1/apps/${APP}/logs?tail=500`);
    assert.equal(logs.status, 200);
    return String(logs.body)
      .split('\n')
      .filter((l) => l.startsWith('deployflow | Autoscaling could not scale'));
  };
  const refusedNotices = async (): Promise<Array<{ kind: string; app: string; message: string }>> => {
    const list = (await s.owner.get('/api/v1/notifications')).body as { items: Array<{ kind: string; app: string; message: string }> };
    return list.items.filter((n) => n.kind === 'autoscale.refused' && n.app === APP);
  };

  before(async () => {
    stack = await startAutoscaleStack({ DEPLOYFLOW_MEMORY_QUOTA_MB: '128' });
    ({ s, gatewayPort } = stack);
    // 64 MB a replica (the ops stack's apps): two fit in 128 MB, the maximum of 4 does not.
    // A target of 2 req/s a replica: even a slow run of the load (the loops wait for each answer;
    // on a busy machine ~10 req/s instead of ~40) asks for more than the 2 the quota allows.
    await s.deploy(APP, 'v1', { autoscale: { minReplicas: 1, maxReplicas: 4, target: { rps: 2 } } });
  });
  after(async () => {
    await stack?.stop([APP]);
  });

  it('stays at what the quota allows under sustained load, and the refusal is visible once', async () => {
    const first = await status();
    assert.equal(first.autoscale.replicas, 1);
    assert.equal(first.autoscale.refusal, null);
    // About 40 req/s against a target of 2 per replica: the maximum, 4; the quota allows 2.
    const busy = loadGateway(gatewayPort, `${APP}.paas.test`, 4, 100);
    try {
      let last: Status | null = null;
      const capped = await waitFor(
        async () => {
          const st = (last = await status());
          return st.autoscale.replicas === 2 && st.autoscale.refusal !== null && st;
        },
        'the app to scale to the 2 replicas the quota allows, with the refusal in its status',
        90_000,
      ).catch((err: Error) => {
        // What the autoscaler last decided says why (load too light, a failed scale, no refusal).
        throw new Error(
          `${err.message}; last status: ${JSON.stringify(last?.autoscale)}; load ok ${busy.ok}, failed ${busy.failed.length}`,
        );
      });
      assert.match(capped.autoscale.refusal!.message, REFUSAL);
      await waitFor(async () => busy.hosts.size >= 2, 'answers from both replicas', 20_000);

      // The load goes on (the autoscaler decides every second and still wants 4): the app stays at
      // 2, in its setting and in Docker, and the standing refusal is not said again.
      for (let i = 0; i < 16; i++) {
        await delay(500);
        const st = await status();
        assert.equal(st.autoscale.replicas, 2, 'the setting stays at the quota');
        assert.ok((await running()) <= 2, 'never more than 2 containers run');
        assert.equal(st.replicas.filter((r) => r.state === 'running').length, 2);
      }
      const st = await status();
      assert.ok(st.autoscale.refusal, 'the refusal stands while the load wants more');
      assert.match(st.autoscale.refusal.message, REFUSAL);
      const refused = st.autoscale.decisions.filter((d) => d.kind === 'refused');
      assert.equal(refused.length, 1, JSON.stringify(st.autoscale.decisions));
      assert.match(
        refused[0]!.message,
        /Memory quota exceeded: .*; the limit is 128 MB \(wanted for [0-9.]+ req\/s for 3 s, target 2 per replica/,
      );
      const up = st.autoscale.decisions.filter((d) => d.kind === 'up');
      assert.deepEqual(
        up.map((d) => [d.from, d.to]),
        [[1, 2]],
        'one scale-up, to the quota',
      );

      // The app's log: one line, where a failed wake's reason goes too.
      const lines = await refusalLines();
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(
        lines[0]!,
        new RegExp(
          `^deployflow \\| Autoscaling could not scale ${APP} .*Memory quota exceeded: .*the limit is 128 MB \\(wanted for .* req/s`,
        ),
      );
      // Its people's notifications: one.
      const notices = await waitFor(async () => {
        const n = await refusedNotices();
        return n.length > 0 && n;
      }, 'the autoscale.refused notification');
      assert.equal(notices.length, 1, JSON.stringify(notices));
      assert.match(notices[0]!.message, /^Autoscaling could not scale capped .*Memory quota exceeded/);
      assert.deepEqual(busy.failed, [], "every request through the gateway got the app's answer");
    } finally {
      await busy.stop();
    }
  });
});
