// Request-driven autoscaling end to end: real Docker, Redis, control and gateway. A loop of
// requests through the gateway to a tiny app scales it from 1 replica to its maximum (both
// replicas answer), and when the load ends (a trickle keeps going, below the target) it comes
// back to 1 — every response is counted and none fails on the way. Windows are short by env.
// The dashboard's Autoscale section (Edge tab) then shows those decisions and saves new bounds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureDashboardBuilt, launchBrowser } from './support/chromium.js';
import { waitFor, type OpsStack } from './ops-fixtures.js';
import { loadGateway, startAutoscaleStack, type AutoscaleStack, type Load } from './support/autoscale.js';

const APP = 'busy';

describe("autoscaling on the gateways' request figures", () => {
  let stack: AutoscaleStack;
  let s: OpsStack;

  /** `clients` loops of requests through the gateway, each pausing `pauseMs` between requests; every answer counted. */
  const load = (clients: number, pauseMs: number, into?: Load): Load =>
    loadGateway(stack.gatewayPort, `${APP}.paas.test`, clients, pauseMs, into);

  const status = async (): Promise<{
    replicas: Array<{ state: string }>;
    autoscale: { replicas: number; decisions: Array<{ kind: string; message: string }> };
  }> => {
    const res = await s.owner.get(`/api/v1/apps/${APP}/status`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    stack = await startAutoscaleStack();
    s = stack.s;
    await s.deploy(APP, 'v1', { autoscale: { minReplicas: 1, maxReplicas: 2, target: { rps: 5 } } });
  });
  after(async () => {
    await stack?.stop([APP]);
  });

  it('scales 1 → 2 under sustained load and back to 1 after it, with no failed request', async () => {
    assert.equal((await status()).autoscale.replicas, 1);
    // The replica count over time (the dashboard's "replicas" series): one sample per phase.
    const sampler = s.control.service.deps.metrics!;
    const since = Date.now() - 1;
    await sampler.tick();
    // About 40 req/s against a target of 5 per replica: the maximum, 2.
    const busy = load(4, 100);
    let trickle: Load | undefined;
    // The request loops run until stopped: stop them however the test ends, or a failure would
    // leave them keeping the test process alive until the runner's timeout.
    try {
      const up = await waitFor(
        async () => {
          const st = await status();
          return st.autoscale.replicas === 2 && st.replicas.filter((r) => r.state === 'running').length === 2 && st;
        },
        'the app to scale up to 2 replicas',
        60_000,
      );
      await sampler.tick();
      assert.equal(up.autoscale.decisions[0]?.kind, 'up');
      assert.match(
        up.autoscale.decisions[0]?.message ?? '',
        /^scaled busy 1 → 2: [0-9.]+ req\/s for 3 s, target 5 per replica \(capped at the maximum of 2\)$/,
      );
      // The new replica serves: answers come from two containers.
      await waitFor(async () => busy.hosts.size >= 2, 'answers from both replicas', 20_000);
      await busy.stop();

      // The load ends; a trickle far below the target keeps checking that nothing fails on the way down.
      trickle = load(1, 1000, busy);
      const down = await waitFor(
        async () => {
          const st = await status();
          return st.autoscale.replicas === 1 && st.replicas.filter((r) => r.state === 'running').length === 1 && st;
        },
        'the app to scale back to 1 replica',
        60_000,
      );
      await trickle.stop();
      await sampler.tick();
      const series = await s.owner.get(`/api/v1/apps/${APP}/metrics?since=${since}`);
      assert.deepEqual(
        (series.body.samples as Array<{ replicas: unknown[] }>).map((x) => x.replicas.length),
        [1, 2, 1],
        'the metrics series shows the scale-up and the scale-down',
      );
      assert.equal(down.autoscale.decisions[0]?.kind, 'down');
      assert.match(down.autoscale.decisions[0]?.message ?? '', /^scaled busy 2 → 1: at most [0-9.]+ req\/s for 8 s, target 5 per replica$/);
      assert.deepEqual(busy.failed, [], "every request through the gateway got the app's answer");
      // Enough answers that "no failed request" means something: the load ran through the scale-up
      // (at ~40 req/s on a quiet machine that can take only 2 s) and the trickle through the scale-down.
      assert.ok(busy.ok > 30, `${busy.ok} answers counted`);
    } finally {
      await busy.stop();
      await trickle?.stop();
    }
  });

  it('shows the decisions in the dashboard and saves new bounds from it', async () => {
    await ensureDashboardBuilt();
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(s.control.url);
      await page.getByLabel('Email').fill(s.owner.email);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Apps' }).waitFor();
      await page.goto(`${s.control.url}/apps/${APP}/edge`);
      const section = page.getByRole('region', { name: 'Autoscale' });
      const decisions = section.getByRole('list', { name: 'Autoscale decisions' });
      await decisions.getByText(/scaled busy 2 → 1: at most/).waitFor();
      await decisions.getByText(/scaled busy 1 → 2: .* req\/s for 3 s, target 5 per replica/).waitFor();
      await section.getByLabel('Max replicas').fill('3');
      await section.getByRole('button', { name: 'Save autoscale' }).click();
      await section.getByRole('status').getByText('Saved.').waitFor();
      const app = await s.owner.get(`/api/v1/apps/${APP}`);
      assert.deepEqual(app.body.autoscale, { minReplicas: 1, maxReplicas: 3, target: { rps: 5 } });
    } finally {
      await browser.close();
    }
  });
});
