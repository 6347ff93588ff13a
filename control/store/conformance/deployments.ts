import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApp, newDeployment, rejectsWith, T0, type Ctx } from './fixtures.js';

export function deploymentSuite(ctx: Ctx): void {
  describe('deployments', () => {
    it('round-trips every field and lists an app newest first, with a limit', async () => {
      const s = ctx.store();
      await s.apps.create(newApp('web', 'owner-1'), 5);
      const full = newDeployment('web', T0 + 10, {
        status: 'failed',
        commit: 'a'.repeat(40),
        ref: 'refs/heads/main',
        image: 'deployflow/web:1',
        source: 'webhook',
        createdBy: 'user-1',
        finishedAt: T0 + 20,
        error: 'health check failed',
        errorCode: 'DF_ERR_HEALTHCHECK_FAILED',
      });
      assert.deepEqual(await s.deployments.create(full), full);
      assert.deepEqual(await s.deployments.get(full.id), full);
      const older = await s.deployments.create(newDeployment('web', T0));
      const newer = await s.deployments.create(newDeployment('web', T0 + 30));
      // Same millisecond: the one recorded later counts as newer.
      const tieLater = await s.deployments.create(newDeployment('web', T0 + 30));
      await s.deployments.create(newDeployment('other', T0 + 40));
      const ids = (await s.deployments.listByApp('web')).map((d) => d.id);
      assert.deepEqual(ids, [tieLater.id, newer.id, full.id, older.id]);
      assert.deepEqual(
        (await s.deployments.listByApp('web', 2)).map((d) => d.id),
        [tieLater.id, newer.id],
      );
      assert.deepEqual(await s.deployments.listByApp('web', 0), []);
      assert.deepEqual(await s.deployments.listByApp('nope'), []);
      assert.equal(await s.deployments.get('no-such-id'), null);
    });

    it('updates only the fields given and returns null for an unknown deployment', async () => {
      const s = ctx.store();
      const d = await s.deployments.create(newDeployment('web', T0, { commit: 'c'.repeat(40) }));
      const building = await s.deployments.update(d.id, { status: 'building' });
      assert.deepEqual(building, { ...d, status: 'building' });
      const done = await s.deployments.update(d.id, { status: 'running', image: 'img:1', finishedAt: T0 + 5 });
      assert.deepEqual(done, { ...d, status: 'running', image: 'img:1', finishedAt: T0 + 5 });
      assert.deepEqual(await s.deployments.get(d.id), done);
      assert.equal(await s.deployments.update('no-such-id', { status: 'failed' }), null);
    });

    it("keeps a failure's error code, null until it fails, and leaves it alone when other fields change", async () => {
      const s = ctx.store();
      const d = await s.deployments.create(newDeployment('web', T0));
      assert.equal(d.errorCode, null);
      assert.equal((await s.deployments.get(d.id))?.errorCode, null);
      const failed = await s.deployments.update(d.id, {
        status: 'failed',
        finishedAt: T0 + 5,
        error: 'Dockerfile line 2: ADD <url> is not allowed',
        errorCode: 'DF_ERR_BUILD_REFUSED',
      });
      assert.deepEqual(failed, {
        ...d,
        status: 'failed',
        finishedAt: T0 + 5,
        error: 'Dockerfile line 2: ADD <url> is not allowed',
        errorCode: 'DF_ERR_BUILD_REFUSED',
      });
      assert.equal((await s.deployments.update(d.id, { image: 'img:2' }))?.errorCode, 'DF_ERR_BUILD_REFUSED');
      assert.equal((await s.deployments.get(d.id))?.errorCode, 'DF_ERR_BUILD_REFUSED');
      const [listed] = await s.deployments.listByApp('web');
      assert.equal(listed?.errorCode, 'DF_ERR_BUILD_REFUSED');
      // Cleared explicitly (null is a value, not "leave it").
      assert.equal((await s.deployments.update(d.id, { errorCode: null }))?.errorCode, null);
    });

    it('appends logs in order and returns them exactly', async () => {
      const s = ctx.store();
      const d = await s.deployments.create(newDeployment('web', T0));
      const other = await s.deployments.create(newDeployment('web', T0 + 1));
      assert.equal(await s.deployments.getLog(d.id), '');
      const lines = Array.from({ length: 50 }, (_, i) => `-----> step ${i} ✓ "quoted" $(not run)\n`);
      for (const line of lines) await s.deployments.appendLog(d.id, line);
      await s.deployments.appendLog(d.id, 'partial line without newline');
      await s.deployments.appendLog(other.id, 'other log\n');
      assert.equal(await s.deployments.getLog(d.id), lines.join('') + 'partial line without newline');
      assert.equal(await s.deployments.getLog(other.id), 'other log\n');
    });

    it('refuses a log for an unknown deployment', async () => {
      const s = ctx.store();
      await rejectsWith(s.deployments.appendLog('no-such-id', 'x'), 'DF_ERR_NOT_FOUND');
      assert.equal(await s.deployments.getLog('no-such-id'), '');
    });
  });
}
