// The admins' build image settings through the API: admin only, bad references and apps' images
// refused with DF_ERR_VALIDATION while nothing changes, the platform base images always listed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, startTestControl, type TestControl } from './support/control.js';

describe('build settings API', () => {
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let dev: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    control = await startTestControl({ DEPLOYFLOW_IMAGE_NODE: 'node:20-alpine' });
    admin = await registerUser(control.url);
    dev = await registerUser(control.url);
  });
  after(() => control.stop());

  it('lets admins set the allow-list; developers may neither read nor change it', async () => {
    const fresh = (await admin.get('/api/v1/settings/builds')).body;
    assert.deepEqual([fresh.allowedImages, fresh.allowHostImages], [[], false]);
    assert.ok(fresh.baseImages.includes('node:20-alpine'));
    const set = await admin.put('/api/v1/settings/builds', {
      allowedImages: ['python:3.12-slim', 'ghcr.io/acme/base', 'python:3.12-slim'],
      allowHostImages: true,
    });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body.allowedImages, ['python:3.12-slim', 'ghcr.io/acme/base']);
    assert.equal((await dev.get('/api/v1/settings/builds')).status, 403);
    assert.equal((await dev.put('/api/v1/settings/builds', { allowedImages: ['evil'], allowHostImages: true })).status, 403);
  });

  it("refuses invalid references and apps' images, and changes nothing", async () => {
    const before = (await admin.get('/api/v1/settings/builds')).body;
    for (const image of ['Not A Ref', 'deployflow/shop', 'docker.io/deployflow/shop:1', 'a'.repeat(64)]) {
      const res = await admin.put('/api/v1/settings/builds', { allowedImages: [image], allowHostImages: false });
      assert.equal(res.status, 400, image);
      assert.equal(res.body.error.code, 'DF_ERR_VALIDATION', image);
    }
    assert.deepEqual((await admin.get('/api/v1/settings/builds')).body, before);
  });
});
