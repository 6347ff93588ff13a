// The app's edge settings through the API: defaults, each setting changed alone, and bad input
// refused with DF_ERR_VALIDATION naming the field while nothing changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, startTestControl, type TestControl } from './support/control.js';

describe('edge settings API', () => {
  let control: TestControl;
  let dev: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    control = await startTestControl();
    await registerUser(control.url); // the admin
    dev = await registerUser(control.url);
    assert.equal((await dev.post('/api/v1/apps', { name: 'edgy' })).status, 201);
  });
  after(() => control.stop());

  it('starts with everything off and changes each setting alone', async () => {
    const fresh = (await dev.get('/api/v1/apps/edgy')).body;
    assert.deepEqual(fresh.scaleToZero, { idleSeconds: 0 });
    assert.equal(fresh.autoscale, null);
    assert.deepEqual(fresh.plugins, []);
    assert.equal(fresh.balance, 'round-robin');
    assert.equal(fresh.httpsRedirect, false);
    assert.deepEqual((await dev.patch('/api/v1/apps/edgy', { scaleToZero: { idleSeconds: 120 } })).body.scaleToZero, { idleSeconds: 120 });
    const auto = { minReplicas: 0, maxReplicas: 3, target: { rps: 40 } };
    assert.deepEqual((await dev.patch('/api/v1/apps/edgy', { autoscale: auto })).body.autoscale, auto);
    const r = await dev.patch('/api/v1/apps/edgy', { balance: 'least-connections', httpsRedirect: true });
    assert.equal(r.body.balance, 'least-connections');
    assert.equal(r.body.httpsRedirect, true);
    const after = (await dev.get('/api/v1/apps/edgy')).body;
    assert.deepEqual(
      [after.scaleToZero, after.autoscale, after.balance, after.httpsRedirect],
      [{ idleSeconds: 120 }, auto, 'least-connections', true],
    );
    assert.equal((await dev.patch('/api/v1/apps/edgy', { autoscale: null })).body.autoscale, null);
  });

  it('refuses bad values naming the field, and changes nothing', async () => {
    const before = (await dev.get('/api/v1/apps/edgy')).body;
    const bad: [unknown, RegExp][] = [
      [{ scaleToZero: { idleSeconds: -1 } }, /idleSeconds/],
      [{ scaleToZero: { idleSeconds: 10 ** 9 } }, /idleSeconds/],
      [{ autoscale: { minReplicas: 3, maxReplicas: 2, target: { rps: 5 } } }, /minReplicas/],
      [{ autoscale: { minReplicas: 0, maxReplicas: 99, target: { rps: 5 } } }, /maxReplicas/],
      [{ autoscale: { minReplicas: 0, maxReplicas: 2, target: { rps: 0 } } }, /target|rps/],
      [{ autoscale: { minReplicas: 0, maxReplicas: 2, target: { inflight: 0 } } }, /target|inflight/],
      [{ plugins: [{ name: 'no-such-plugin', config: {} }] }, /plugins\[0\]\.name/],
      [{ balance: 'random' }, /balance/],
      [{ httpsRedirect: 'yes' }, /httpsRedirect/],
    ];
    for (const [body, field] of bad) {
      const res = await dev.patch('/api/v1/apps/edgy', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'DF_ERR_VALIDATION', JSON.stringify(body));
      assert.match(JSON.stringify(res.body.error), field, JSON.stringify(body));
    }
    assert.deepEqual((await dev.get('/api/v1/apps/edgy')).body, before);
  });

  it('refuses minReplicas 0 without scale to zero, whichever of the two settings the request changes', async () => {
    const refused = (
      res: { status: number; body: { error?: { code: string; message: string; details?: { field?: string } } } },
      field: string,
    ) => {
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error?.code, 'DF_ERR_VALIDATION');
      assert.equal(res.body.error?.details?.field, field);
      assert.match(res.body.error?.message ?? '', /autoscale\.minReplicas 0/);
      assert.match(res.body.error?.message ?? '', /scaleToZero\.idleSeconds/);
    };
    const zeroMin = { minReplicas: 0, maxReplicas: 2, target: { rps: 5 } };
    // A new app: sleep is off by default.
    refused(await dev.post('/api/v1/apps', { name: 'edgy-zero', autoscale: zeroMin }), 'autoscale.minReplicas');
    assert.equal((await dev.get('/api/v1/apps/edgy-zero')).status, 404, 'the app was not created');

    const reset = await dev.patch('/api/v1/apps/edgy', { scaleToZero: { idleSeconds: 0 }, autoscale: null });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    const before = (await dev.get('/api/v1/apps/edgy')).body;
    refused(await dev.patch('/api/v1/apps/edgy', { autoscale: zeroMin }), 'autoscale.minReplicas');
    assert.deepEqual((await dev.get('/api/v1/apps/edgy')).body, before, 'nothing changed');

    // Both in one request, or sleep first: accepted.
    const both = await dev.patch('/api/v1/apps/edgy', { scaleToZero: { idleSeconds: 30 }, autoscale: zeroMin });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    assert.deepEqual([both.body.scaleToZero, both.body.autoscale], [{ idleSeconds: 30 }, zeroMin]);
    // Sleep off under minReplicas 0 is the same combination, refused naming the field it changes.
    const asleep = (await dev.get('/api/v1/apps/edgy')).body;
    refused(await dev.patch('/api/v1/apps/edgy', { scaleToZero: { idleSeconds: 0 } }), 'scaleToZero.idleSeconds');
    assert.deepEqual((await dev.get('/api/v1/apps/edgy')).body, asleep, 'nothing changed');
    const off = await dev.patch('/api/v1/apps/edgy', { scaleToZero: { idleSeconds: 0 }, autoscale: { ...zeroMin, minReplicas: 1 } });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.deepEqual([off.body.scaleToZero, off.body.autoscale], [{ idleSeconds: 0 }, { ...zeroMin, minReplicas: 1 }]);
    assert.equal((await dev.patch('/api/v1/apps/edgy', { autoscale: null })).status, 200);
  });
});
