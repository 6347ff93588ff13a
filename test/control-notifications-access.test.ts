// An app's team webhook URL (a Slack or Discord incoming webhook: whoever has it can post to
// the channel) is a credential: shown to those who may change it, masked for viewers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addCollaborator, registerUser, startTestControl, type TestControl } from './support/control.js';

const HOOK = 'https://hooks.slack.com/services/T000/B000/very-secret-token';

describe('app notification channels and who sees the webhook URL', () => {
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let viewer: Awaited<ReturnType<typeof registerUser>>;
  let developer: Awaited<ReturnType<typeof registerUser>>;

  before(async () => {
    control = await startTestControl();
    admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    viewer = await registerUser(control.url, 'viewer', admin);
    developer = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: 'hooked-app' })).status, 201);
    for (const who of [viewer, developer]) {
      await addCollaborator(owner, 'hooked-app', who);
    }
    const set = await owner.put('/api/v1/apps/hooked-app/notifications', { webhookUrl: HOOK, emails: ['team@example.test'] });
    assert.equal(set.status, 200);
  });
  after(() => control.stop());

  it('masks the webhook URL for a viewer collaborator', async () => {
    const res = await viewer.get('/api/v1/apps/hooked-app/notifications');
    assert.equal(res.status, 200);
    assert.ok(!JSON.stringify(res.body).includes('very-secret-token'), JSON.stringify(res.body));
    assert.ok(!JSON.stringify(res.body).includes('hooks.slack.com'), JSON.stringify(res.body));
    assert.notEqual(res.body.webhookUrl, null, 'a viewer still sees that a webhook is set');
    assert.deepEqual(res.body.events, ['deploy.started', 'deploy.succeeded', 'deploy.failed', 'autoscale.refused', 'wake.failed']);
  });

  it('shows the webhook URL to the owner, an operating collaborator and an admin', async () => {
    for (const who of [owner, developer, admin]) {
      const res = await who.get('/api/v1/apps/hooked-app/notifications');
      assert.equal(res.status, 200);
      assert.equal(res.body.webhookUrl, HOOK);
    }
  });

  it('shows a viewer that no webhook is set as null, not as a mask', async () => {
    assert.equal((await owner.post('/api/v1/apps', { name: 'quiet-app' })).status, 201);
    await addCollaborator(owner, 'quiet-app', viewer);
    assert.equal((await viewer.get('/api/v1/apps/quiet-app/notifications')).body.webhookUrl, null);
  });
});
