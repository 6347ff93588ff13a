// Invitations end to end on a running control with a real SMTP server: an admin's invitation
// arrives by e-mail and makes an account while registration is closed, once; an owner's
// collaborator invitation answers the same for a known and an unknown address and adds the
// collaborator only when accepted; a resent invitation gets a new link that replaces the old; every
// refusal (reuse, expiry, revocation, the wrong account, not allowed to invite or resend, a bad role)
// is a clear error that changes nothing, and is audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { readable, startMailbox, type TestMailbox } from './support/smtp.js';

const PUBLIC_URL = 'https://deploy.example.test';

describe('invitations', () => {
  let mailbox: TestMailbox;
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let owner: Awaited<ReturnType<typeof registerUser>>;
  const anon = (): Client => new Client(control.url);

  /** The token of the newest invitation e-mailed to `email` (the link must be on the public URL). */
  async function mailedToken(email: string): Promise<string> {
    const seen = mailbox.mails.filter((m) => m.to.includes(email)).length;
    for (let i = 0; i < 100 && mailbox.mails.filter((m) => m.to.includes(email)).length === seen; i++)
      await new Promise((r) => setTimeout(r, 50));
    const mail = mailbox.mails.filter((m) => m.to.includes(email)).at(-1);
    assert.ok(mail, `an invitation e-mail reached ${email}`);
    const body = readable(mail.body);
    const link = /https:\/\/deploy\.example\.test\/invite#token=([A-Za-z0-9_%-]+)/.exec(body);
    assert.ok(link?.[1], `a link on the public URL: ${body.slice(-400)}`);
    return decodeURIComponent(link[1]);
  }

  async function audited(action: string): Promise<{ target: string | null; result: string; details: Record<string, unknown> | null }[]> {
    const res = await admin.get(`/api/v1/audit?action=${action}&limit=100`);
    return (Array.isArray(res.body) ? res.body : res.body.events) as {
      target: string | null;
      result: string;
      details: Record<string, unknown> | null;
    }[];
  }

  /** A developer account, made while an admin opens registration for a moment (this file keeps it closed). */
  async function registerWhileOpen(): Promise<Awaited<ReturnType<typeof registerUser>>> {
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: true })).status, 200);
    try {
      return await registerUser(control.url);
    } finally {
      assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: false })).status, 200);
    }
  }

  before(async () => {
    mailbox = await startMailbox();
    control = await startTestControl({ DEPLOYFLOW_SMTP_URL: mailbox.url, DEPLOYFLOW_PUBLIC_URL: PUBLIC_URL });
    admin = await registerUser(control.url);
    owner = await registerUser(control.url);
    assert.equal((await owner.post('/api/v1/apps', { name: 'shop' })).status, 201);
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: false })).status, 200);
  });
  after(async () => {
    await control.stop();
    await mailbox.stop();
  });

  it('an admin invites by e-mail; the link makes the account with its role while registration is closed, and works once', async () => {
    const email = 'new-viewer@example.test';
    const sent = await admin.post('/api/v1/invitations', { email: 'New-Viewer@Example.test', role: 'viewer' });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.url, null, 'e-mailed, so no link in the answer');
    assert.equal(sent.body.invitation.email, email);
    assert.equal(sent.body.invitation.role, 'viewer');
    const token = await mailedToken(email);
    assert.ok(
      (await admin.get('/api/v1/invitations')).body.some((i: { id: string }) => i.id === sent.body.invitation.id),
      'listed as pending',
    );

    const shown = await anon().post('/api/v1/invitations/inspect', { token });
    assert.equal(shown.status, 200);
    assert.deepEqual([shown.body.email, shown.body.role, shown.body.app, shown.body.invitedByEmail], [email, 'viewer', null, admin.email]);
    assert.equal(
      (await anon().post('/api/v1/auth/register', { email, password: 'correct horse battery' })).status,
      403,
      'registration is closed',
    );

    const users = (await admin.get('/api/v1/users')).body.length;
    const accepted = await anon().post('/api/v1/invitations/accept', { token, password: 'an invited passphrase', name: 'Vera' });
    assert.equal(accepted.status, 200);
    assert.deepEqual(
      [accepted.body.kind, accepted.body.user.email, accepted.body.user.role, accepted.body.user.name],
      ['account', email, 'viewer', 'Vera'],
    );
    const me = await new Client(control.url, accepted.body.session.accessToken).get('/api/v1/auth/me');
    assert.equal(me.body.email, email, 'signed in as the new account');
    assert.equal((await anon().post('/api/v1/auth/login', { email, password: 'an invited passphrase' })).status, 200);

    const again = await anon().post('/api/v1/invitations/accept', { token, password: 'someone else entirely' });
    assert.equal(again.status, 400);
    assert.equal(again.body.error.code, 'DF_ERR_INVITATION_INVALID');
    assert.equal((await anon().post('/api/v1/invitations/inspect', { token })).body.error.code, 'DF_ERR_INVITATION_INVALID');
    assert.equal((await admin.get('/api/v1/users')).body.length, users + 1, 'one account, not two');
    assert.equal((await anon().post('/api/v1/auth/login', { email, password: 'someone else entirely' })).status, 401);
    assert.ok(
      !(await admin.get('/api/v1/invitations')).body.some((i: { id: string }) => i.id === sent.body.invitation.id),
      'no longer pending',
    );
    const events = await audited('invitation.accept');
    assert.ok(events.some((e) => e.result === 'ok' && e.details?.invitationId === sent.body.invitation.id));
    assert.ok(
      events.some((e) => e.result === 'error' && e.details?.error === 'DF_ERR_INVITATION_INVALID'),
      'the reuse is in the audit log',
    );
  });

  it('answers a collaborator invitation the same for a known and an unknown address, and adds nobody until it is accepted', async () => {
    const mate = await registerWhileOpen();
    const unknownEmail = `nobody-${Date.now()}@example.test`;

    const forKnown = await owner.post('/api/v1/apps/shop/collaborators', { email: mate.email });
    const forUnknown = await owner.post('/api/v1/apps/shop/collaborators', { email: unknownEmail });
    const shape = (res: typeof forKnown, email: string) => ({
      status: res.status,
      headers: res.headers.get('content-type'),
      body: JSON.parse(
        JSON.stringify(res.body)
          .replaceAll(email, '<email>')
          .replace(/"id":"[^"]+"/, '"id":"<id>"')
          .replace(/"(createdAt|expiresAt)":\d+/g, '"$1":0'),
      ) as unknown,
    });
    assert.equal(forKnown.status, 202);
    assert.deepEqual(
      shape(forKnown, mate.email),
      shape(forUnknown, unknownEmail),
      'the same answer whether or not the address has an account',
    );
    assert.deepEqual((await owner.get('/api/v1/apps/shop')).body.collaboratorIds, [], 'nobody is added before accepting');
    assert.equal((await mate.get('/api/v1/apps/shop')).status, 404);
    const pending = (await owner.get('/api/v1/apps/shop/invitations')).body as { email: string }[];
    assert.deepEqual(pending.map((i) => i.email).sort(), [mate.email, unknownEmail].sort());

    const mateToken = await mailedToken(mate.email);
    const unknownToken = await mailedToken(unknownEmail);
    const stranger = await registerWhileOpen();
    const wrong = await stranger.post('/api/v1/invitations/accept', { token: mateToken });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.error.code, 'DF_ERR_INVITATION_OTHER_ACCOUNT');
    assert.equal((await stranger.get('/api/v1/apps/shop')).status, 404, 'another account gains nothing');
    const signedOut = await anon().post('/api/v1/invitations/accept', { token: mateToken, password: 'taking over the account' });
    assert.equal(signedOut.body.error.code, 'DF_ERR_REGISTRATION_CLOSED', 'an existing account signs in to accept; no account is made');

    const joined = await mate.post('/api/v1/invitations/accept', { token: mateToken });
    assert.equal(joined.status, 200);
    assert.deepEqual([joined.body.kind, joined.body.app, joined.body.session], ['collaboration', 'shop', null]);
    assert.deepEqual((await owner.get('/api/v1/apps/shop')).body.collaboratorIds, [mate.userId]);
    assert.equal((await mate.patch('/api/v1/apps/shop', { replicas: 1 })).status, 200, 'the collaborator operates the app');
    assert.equal((await mate.post('/api/v1/invitations/accept', { token: mateToken })).body.error.code, 'DF_ERR_INVITATION_INVALID');

    // An owner's invitation makes no account while an admin keeps registration closed.
    const closed = await anon().post('/api/v1/invitations/accept', { token: unknownToken, password: 'a fresh passphrase' });
    assert.equal(closed.status, 403);
    assert.equal(closed.body.error.code, 'DF_ERR_REGISTRATION_CLOSED');
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: true })).status, 200);
    const made = await anon().post('/api/v1/invitations/accept', { token: unknownToken, password: 'a fresh passphrase' });
    assert.equal(made.status, 200, 'the same link works once registration is open: nothing was spent');
    assert.equal(made.body.user.role, 'developer');
    assert.deepEqual((await owner.get('/api/v1/apps/shop')).body.collaboratorIds, [mate.userId, made.body.user.id]);
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: false })).status, 200);
  });

  it('resends a pending invitation with a new link that replaces the old one; only who may revoke it may resend it', async () => {
    const email = 'lost-the-mail@example.test';
    const first = await owner.post('/api/v1/apps/shop/collaborators', { email });
    const oldToken = await mailedToken(email);
    const resent = await owner.post(`/api/v1/invitations/${first.body.invitation.id}/resend`);
    assert.equal(resent.status, 202, JSON.stringify(resent.body));
    assert.equal(resent.body.url, null, 'e-mailed again');
    assert.notEqual(resent.body.invitation.id, first.body.invitation.id);
    assert.deepEqual([resent.body.invitation.email, resent.body.invitation.app], [email, 'shop']);
    const newToken = await mailedToken(email);
    assert.notEqual(newToken, oldToken);
    assert.equal(
      (await anon().post('/api/v1/invitations/inspect', { token: oldToken })).body.error.code,
      'DF_ERR_INVITATION_INVALID',
      'the old link stops working',
    );
    assert.equal((await anon().post('/api/v1/invitations/inspect', { token: newToken })).body.email, email);
    assert.deepEqual(
      (await owner.get('/api/v1/apps/shop/invitations')).body
        .filter((i: { email: string }) => i.email === email)
        .map((i: { id: string }) => i.id),
      [resent.body.invitation.id],
      'one pending invitation, the new one',
    );

    const again = await owner.post(`/api/v1/invitations/${first.body.invitation.id}/resend`);
    assert.equal(again.status, 409, 'the replaced one cannot be resent');
    assert.equal(again.body.error.code, 'DF_ERR_CONFLICT');
    const platform = (await admin.post('/api/v1/invitations', { email: 'platform-resend@example.test', role: 'viewer' })).body.invitation
      .id as string;
    const mails = (await audited('invitation.resend')).length;
    const notYours = await owner.post(`/api/v1/invitations/${platform}/resend`);
    assert.equal(notYours.status, 404, 'an owner learns nothing of a platform invitation');
    const strangerToApp = await registerWhileOpen();
    assert.equal((await strangerToApp.post(`/api/v1/invitations/${resent.body.invitation.id}/resend`)).status, 404);
    assert.equal(
      (await owner.get('/api/v1/apps/shop/invitations')).body.filter((i: { email: string }) => i.email === email).length,
      1,
      'nothing changed',
    );
    const byAdmin = await admin.post(`/api/v1/invitations/${platform}/resend`);
    assert.equal(byAdmin.status, 202);
    assert.equal(byAdmin.body.invitation.role, 'viewer', 'the role goes with it');
    const events = await audited('invitation.resend');
    assert.equal(events.length, mails + 3);
    assert.deepEqual(
      events.slice(0, 3).map((e) => [e.result, e.details?.error ?? null]),
      [
        ['ok', null],
        ['error', 'DF_ERR_NOT_FOUND'],
        ['error', 'DF_ERR_NOT_FOUND'],
      ],
    );
    assert.ok((await audited('invitation.resend')).some((e) => e.result === 'error' && e.details?.error === 'DF_ERR_CONFLICT'));
    assert.equal((await admin.delete(`/api/v1/invitations/${byAdmin.body.invitation.id}`)).status, 204);
    assert.equal((await owner.delete(`/api/v1/invitations/${resent.body.invitation.id}`)).status, 204);
  });

  it('refuses a revoked or expired invitation, inviting without the right, and a role that does not exist — changing nothing', async () => {
    const revokedEmail = 'revoked@example.test';
    const sent = await owner.post('/api/v1/apps/shop/collaborators', { email: revokedEmail });
    const token = await mailedToken(revokedEmail);
    const outsider = (await admin.post('/api/v1/invitations', { email: 'outsider@example.test', role: 'developer' })).body.invitation
      .id as string;
    assert.equal((await owner.delete(`/api/v1/invitations/${outsider}`)).status, 404, 'an owner cannot touch a platform invitation');
    assert.equal((await owner.delete(`/api/v1/invitations/${sent.body.invitation.id}`)).status, 204);
    assert.equal((await owner.delete(`/api/v1/invitations/${sent.body.invitation.id}`)).body.error.code, 'DF_ERR_CONFLICT');
    const revoked = await anon().post('/api/v1/invitations/accept', { token, password: 'a fresh passphrase' });
    assert.equal(revoked.body.error.code, 'DF_ERR_INVITATION_INVALID');
    assert.equal((await admin.delete(`/api/v1/invitations/${outsider}`)).status, 204);

    const lateEmail = 'late@example.test';
    await admin.post('/api/v1/invitations', { email: lateEmail, role: 'developer' });
    const late = await mailedToken(lateEmail);
    const deps = control.service.deps;
    const realClock = deps.clock;
    deps.clock = () => realClock() + 8 * 86_400_000;
    try {
      const expired = await anon().post('/api/v1/invitations/accept', { token: late, password: 'a fresh passphrase' });
      assert.equal(expired.status, 400);
      assert.equal(expired.body.error.code, 'DF_ERR_INVITATION_INVALID');
    } finally {
      deps.clock = realClock;
    }

    const notAdmin = await owner.post('/api/v1/invitations', { email: 'friend@example.test', role: 'admin' });
    assert.equal(notAdmin.status, 403);
    assert.equal(notAdmin.body.error.code, 'DF_ERR_FORBIDDEN');
    const badRole = await admin.post('/api/v1/invitations', { email: 'friend@example.test', role: 'owner' });
    assert.equal(badRole.status, 400);
    assert.equal(badRole.body.error.code, 'DF_ERR_VALIDATION');
    const viewerAccount = (await admin.get('/api/v1/users')).body.find((u: { email: string }) => u.email === 'new-viewer@example.test');
    const viewer = await anon().post('/api/v1/auth/login', { email: viewerAccount.email, password: 'an invited passphrase' });
    const stranger = new Client(control.url, viewer.body.accessToken);
    const refused = await stranger.post('/api/v1/apps/shop/collaborators', { email: 'friend@example.test' });
    assert.equal(refused.status, 404, 'a stranger to the app cannot invite to it (nor learn it exists)');
    assert.ok(!mailbox.mails.some((m) => m.to.includes('friend@example.test')), 'no e-mail went out for a refused invitation');
    const pending = (await admin.get('/api/v1/invitations')).body as { email: string }[];
    assert.ok(!pending.some((i) => ['friend@example.test', revokedEmail, 'outsider@example.test'].includes(i.email)));
    const events = await audited('invitation.create');
    assert.ok(
      events.some((e) => e.result === 'error' && e.details?.error === 'DF_ERR_FORBIDDEN'),
      'the refused invitation is audited',
    );
    assert.ok((await audited('invitation.revoke')).length >= 3);
  });
});
