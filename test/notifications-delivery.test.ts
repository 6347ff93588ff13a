// Deploy notifications end to end against real receivers: a local SMTP server (smtp-server)
// and a local HTTP endpoint standing in for Slack/Discord. Stored per user with an unread count,
// sent per the user's and the app's settings, never to people outside the app.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Deployment } from '../control/store/types.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import { readable, startMailbox, type TestMailbox } from './support/smtp.js';

const APP = 'noisy-app';

describe('deploy notifications', () => {
  const hooks: { path: string; body: { text: string; content: string } }[] = [];
  let mailbox: TestMailbox;
  let receiver: http.Server;
  let hookBase: string;
  let control: TestControl;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let collaborator: Awaited<ReturnType<typeof registerUser>>;
  let stranger: Awaited<ReturnType<typeof registerUser>>;

  const status = async (d: Deployment, s: Deployment['status'], extra: Partial<Deployment> = {}): Promise<void> => {
    control.service.deps.events.emit('deployment.status', { ...d, status: s, ...extra });
    await control.service.realtime.notifier.idle();
  };

  before(async () => {
    mailbox = await startMailbox();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        hooks.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookBase = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    control = await startTestControl({
      DEPLOYFLOW_SMTP_URL: mailbox.url,
      DEPLOYFLOW_SMTP_FROM: 'DeployFlow <df@paas.test>',
    });
    admin = await registerUser(control.url); // the first user is admin; the others are plain developers
    owner = await registerUser(control.url);
    collaborator = await registerUser(control.url);
    stranger = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: APP })).status, 201);
    // With SMTP on, the invitation travels by e-mail: the collaborator accepts the mailed link.
    assert.equal((await owner.post(`/api/v1/apps/${APP}/collaborators`, { email: collaborator.email })).status, 202);
    for (let i = 0; i < 100 && !mailbox.mails.some((m) => m.to.includes(collaborator.email)); i++)
      await new Promise((r) => setTimeout(r, 50));
    const invitation = mailbox.mails.find((m) => m.to.includes(collaborator.email));
    assert.ok(invitation, 'the invitation e-mail arrived');
    const link = /#token=([A-Za-z0-9_%-]+)/.exec(readable(invitation.body));
    assert.ok(link?.[1], 'the e-mail carries the link');
    assert.equal((await collaborator.post('/api/v1/invitations/accept', { token: decodeURIComponent(link[1]) })).status, 200);
    mailbox.mails.length = 0; // the deploy notifications below are what this file counts
  });
  after(async () => {
    await control.stop();
    await mailbox.stop();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('validates settings', async () => {
    assert.deepEqual((await owner.get('/api/v1/notifications/settings')).body, {
      email: false,
      webhookUrl: null,
      events: ['deploy.started', 'deploy.succeeded', 'deploy.failed', 'autoscale.refused', 'wake.failed'],
      mutedApps: [],
    });
    assert.equal((await owner.put('/api/v1/notifications/settings', { webhookUrl: 'ftp://example.test/x' })).status, 400);
    assert.equal((await owner.put('/api/v1/notifications/settings', { email: 'yes' })).status, 400);
    assert.equal((await owner.put(`/api/v1/apps/${APP}/notifications`, { emails: ['not-an-address'] })).status, 400);
    assert.equal((await stranger.get(`/api/v1/apps/${APP}/notifications`)).status, 404);
  });

  it('posts to no private or loopback address unless an admin allows private URLs', async () => {
    assert.equal((await owner.put('/api/v1/notifications/settings', { webhookUrl: `${hookBase}/probe` })).status, 200);
    const d = await control.service.deps.store.deployments.create({
      id: randomUUID(),
      app: APP,
      status: 'queued',
      commit: 'fedcba9876543210',
      ref: 'refs/heads/main',
      image: null,
      source: 'git',
      createdBy: owner.userId,
      createdAt: Date.now(),
      finishedAt: null,
      error: null,
      errorCode: null,
    });
    await status(d, 'building');
    assert.deepEqual(
      hooks.filter((h) => h.path === '/probe'),
      [],
      'the loopback receiver heard nothing',
    );
    assert.equal((await owner.get('/api/v1/notifications')).body.unread, 1, 'the in-app notification is stored all the same');
    assert.equal((await admin.put('/api/v1/settings/webhooks', { allowPrivateUrls: true })).status, 200);
    await owner.post('/api/v1/notifications/read', {});
    await collaborator.post('/api/v1/notifications/read', {});
  });

  it('stores, e-mails and posts deploy started/succeeded/failed per user and app settings', async () => {
    assert.equal((await owner.put('/api/v1/notifications/settings', { email: true, webhookUrl: `${hookBase}/owner` })).status, 200);
    assert.equal(
      (
        await owner.put(`/api/v1/apps/${APP}/notifications`, {
          webhookUrl: `${hookBase}/team`,
          emails: ['Team@Example.test'],
          events: ['deploy.succeeded', 'deploy.failed'],
        })
      ).status,
      200,
    );
    const d = await control.service.deps.store.deployments.create({
      id: randomUUID(),
      app: APP,
      status: 'queued',
      commit: '0123456789abcdef',
      ref: 'refs/heads/main',
      image: null,
      source: 'git',
      createdBy: owner.userId,
      createdAt: Date.now(),
      finishedAt: null,
      error: null,
      errorCode: null,
    });
    await status(d, 'building');
    await status(d, 'deploying'); // the same deploy going on: no second "started"
    await status(d, 'running', { finishedAt: Date.now() });
    await status(d, 'failed', { error: 'health check failed <script>' });

    const ownerList = (await owner.get('/api/v1/notifications')).body;
    assert.deepEqual(
      ownerList.items.slice(0, 3).map((n: { kind: string }) => n.kind),
      ['deploy.failed', 'deploy.succeeded', 'deploy.started'],
    );
    assert.equal(ownerList.unread, 3);
    assert.equal(ownerList.items[1].message, `${APP}: deploy (0123456) succeeded, live at http://${APP}.paas.local:80`.replace(':80', ''));
    assert.equal(ownerList.items[0].userId, undefined);
    assert.equal((await collaborator.get('/api/v1/notifications')).body.unread, 3);
    assert.deepEqual((await stranger.get('/api/v1/notifications')).body, { items: [], unread: 0 });

    // The owner's webhook hears all three; the app's webhook only what the app chose.
    assert.deepEqual(hooks.filter((h) => h.path === '/owner').map((h) => h.body.text.split(' ').slice(-2).join(' ')).length, 3);
    const team = hooks.filter((h) => h.path === '/team');
    assert.equal(team.length, 2);
    assert.match(team[0]!.body.text, /succeeded/);
    assert.equal(team[0]!.body.content, team[0]!.body.text, 'Discord reads content, Slack reads text');
    // E-mail: the owner (settings) and the team address (app), not the collaborator (no e-mail chosen).
    const failedMail = mailbox.mails.find((m) => m.body.includes('failed'));
    assert.ok(failedMail, 'a mail about the failure');
    assert.deepEqual([...failedMail.to].sort(), [owner.email, 'team@example.test'].sort());
    assert.match(failedMail.body, /Subject: \[DeployFlow\] noisy-app: deploy \(0123456\) failed/);
    assert.match(failedMail.body, /From: DeployFlow <df@paas\.test>/);
    assert.ok(mailbox.mails.every((m) => !m.to.includes(collaborator.email) && !m.to.includes(stranger.email)));
    const startedMail = mailbox.mails.find((m) => m.body.includes('started'));
    assert.deepEqual(startedMail?.to, [owner.email], 'the app channels did not ask for "started"');
  });

  it('marks notifications read, one or all', async () => {
    const items = (await owner.get('/api/v1/notifications')).body.items as { id: string }[];
    assert.deepEqual((await owner.post('/api/v1/notifications/read', { ids: [items[0]!.id] })).body, { marked: 1, unread: 2 });
    // Someone else's ids change nothing of theirs.
    assert.deepEqual((await stranger.post('/api/v1/notifications/read', { ids: [items[1]!.id] })).body, { marked: 0, unread: 0 });
    assert.equal((await owner.get('/api/v1/notifications?unread=true')).body.items.length, 2);
    assert.deepEqual((await owner.post('/api/v1/notifications/read', {})).body, { marked: 2, unread: 0 });
  });

  it('keeps muted apps in-app only, and forgets app channels when the app is deleted', async () => {
    await owner.put('/api/v1/notifications/settings', { mutedApps: [APP] });
    const before = { mails: mailbox.mails.length, owner: hooks.filter((h) => h.path === '/owner').length };
    const d = await control.service.deps.store.deployments.create({
      id: randomUUID(),
      app: APP,
      status: 'queued',
      commit: null,
      ref: null,
      image: 'x:1',
      source: 'rollback',
      createdBy: owner.userId,
      createdAt: Date.now(),
      finishedAt: null,
      error: null,
      errorCode: null,
    });
    await status(d, 'deploying');
    assert.equal((await owner.get('/api/v1/notifications')).body.items[0].message, `${APP}: rollback started`);
    assert.equal(hooks.filter((h) => h.path === '/owner').length, before.owner);
    assert.equal(mailbox.mails.length, before.mails);
    assert.equal((await owner.delete(`/api/v1/apps/${APP}`)).status, 204);
    await control.service.realtime.notifier.idle();
    assert.equal(await control.service.deps.store.notifications.getSettings('app', APP), null);
  });
});
