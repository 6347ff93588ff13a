// Accounts over their life, on a running control with a real SMTP server: changing a password
// ends every other session, a reset link arrives by e-mail and works once, an admin can make a
// link without e-mail, and disabling an account refuses its access token, refresh token, API
// token, SSH key and open socket at once — with the last admin protected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { gitAccess } from '../control/git-bridge/access.js';
import { freePort } from './support/ports.js';
import { connectSocket } from './support/realtime.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';

const PASSWORD = 'correct horse battery';

describe('account lifecycle', () => {
  const mails: { to: string[]; body: string }[] = [];
  let smtp: SMTPServer;
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;

  const login = (email: string, password: string) => new Client(control.url).post('/api/v1/auth/login', { email, password });

  before(async () => {
    const smtpPort = await freePort();
    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
      onData(stream, session, callback) {
        let body = '';
        stream.on('data', (c: Buffer) => { body += c.toString(); });
        stream.on('end', () => { mails.push({ to: session.envelope.rcptTo.map((r) => r.address), body }); callback(); });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
    control = await startTestControl({
      DEPLOYFLOW_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, DEPLOYFLOW_PUBLIC_URL: 'https://deploy.example.test',
    });
    admin = await registerUser(control.url);
  });
  after(async () => {
    await control.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('changes a password: wrong current one refused, other sessions end, API tokens keep working', async () => {
    const dev = await registerUser(control.url);
    const apiToken = (await dev.post('/api/v1/tokens', { name: 'ci' })).body.token as string;
    const other = (await login(dev.email, PASSWORD)).body;
    const wrong = await dev.post('/api/v1/auth/password', { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'DF_ERR_INVALID_CREDENTIALS');
    assert.equal((await login(dev.email, PASSWORD)).status, 200, 'nothing changed');

    const changed = await dev.post('/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    assert.equal(changed.status, 200);
    assert.equal((await new Client(control.url, changed.body.accessToken).get('/api/v1/auth/me')).status, 200, 'this session goes on');
    assert.equal((await dev.get('/api/v1/auth/me')).status, 401, 'the old access token is refused');
    assert.equal((await new Client(control.url, other.accessToken).get('/api/v1/auth/me')).status, 401, 'another session ended');
    assert.equal((await new Client(control.url).post('/api/v1/auth/refresh', { refreshToken: other.refreshToken })).status, 401);
    assert.equal((await new Client(control.url, apiToken).get('/api/v1/auth/me')).status, 200, 'API tokens are not sessions');
    assert.equal((await login(dev.email, PASSWORD)).status, 401);
    assert.equal((await login(dev.email, 'a brand new passphrase')).status, 200);
  });

  it('resets a password through an e-mailed link that works once, answering the same for unknown addresses', async () => {
    const dev = await registerUser(control.url);
    const anon = new Client(control.url);
    const unknown = await anon.post('/api/v1/auth/password-reset/request', { email: 'nobody-here@example.test' });
    const known = await anon.post('/api/v1/auth/password-reset/request', { email: dev.email.toUpperCase() });
    assert.equal(unknown.status, 202);
    assert.deepEqual(known.body, unknown.body, 'the same answer whether or not the account exists');
    const deadline = Date.now() + 5000;
    while (!mails.some((m) => m.to.includes(dev.email)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mail = mails.find((m) => m.to.includes(dev.email));
    assert.ok(mail, 'the reset e-mail arrived');
    assert.ok(!mails.some((m) => m.to.includes('nobody-here@example.test')));
    const body = mail.body.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const link = /https:\/\/deploy\.example\.test\/reset-password#token=([A-Za-z0-9_%-]+)/.exec(body);
    assert.ok(link, `a link on the public URL: ${body.slice(-400)}`);
    const token = decodeURIComponent(link[1]!);

    const reset = await anon.post('/api/v1/auth/password-reset', { token, newPassword: 'reset to something new' });
    assert.equal(reset.status, 200);
    assert.equal((await dev.get('/api/v1/auth/me')).status, 401, 'sessions ended');
    const again = await anon.post('/api/v1/auth/password-reset', { token, newPassword: 'and once more please' });
    assert.equal(again.status, 400);
    assert.equal(again.body.error.code, 'DF_ERR_RESET_TOKEN_INVALID');
    assert.equal((await login(dev.email, 'reset to something new')).status, 200);
    assert.equal((await anon.post('/api/v1/auth/password-reset', { token: 'dfx_made-up', newPassword: 'whatever it is' })).body.error.code, 'DF_ERR_RESET_TOKEN_INVALID');
  });

  it('lets an admin make a one-time reset link; others may not', async () => {
    const dev = await registerUser(control.url);
    assert.equal((await dev.post(`/api/v1/users/${admin.userId}/password-reset-link`)).status, 403);
    const made = await admin.post(`/api/v1/users/${dev.userId}/password-reset-link`);
    assert.equal(made.status, 201);
    assert.match(made.body.url, /^https:\/\/deploy\.example\.test\/reset-password#token=/);
    const token = decodeURIComponent(made.body.url.split('#token=')[1]);
    assert.equal((await new Client(control.url).post('/api/v1/auth/password-reset', { token, newPassword: 'chosen by the user' })).status, 200);
    assert.equal((await login(dev.email, 'chosen by the user')).status, 200);
  });

  it('disables an account: every credential and the open socket are refused at once; enabling lets it sign in again', async () => {
    const dev = await registerUser(control.url);
    const apiToken = (await dev.post('/api/v1/tokens', { name: 'laptop' })).body.token as string;
    const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@df';
    assert.equal((await dev.post('/api/v1/keys', { publicKey })).status, 201);
    const keyData = Buffer.from(publicKey.split(' ')[1]!, 'base64');
    const access = gitAccess(control.service.deps);
    assert.deepEqual(await access.userForPublicKey('ssh-ed25519', keyData), { id: dev.userId });
    const socket = await connectSocket(control.url, apiToken);
    const ended = new Promise<{ code: string }>((resolve) => socket.socket.once('session:end', resolve));

    const disabled = await admin.post(`/api/v1/users/${dev.userId}/disable`);
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    const end = await Promise.race([ended, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
    assert.equal(end?.code, 'DF_ERR_INVALID_TOKEN', 'the open socket is ended within a second');
    socket.close();
    assert.equal((await dev.get('/api/v1/auth/me')).status, 401, 'access token');
    assert.equal((await new Client(control.url).post('/api/v1/auth/refresh', { refreshToken: dev.refreshToken })).status, 401, 'refresh token');
    assert.equal((await new Client(control.url, apiToken).get('/api/v1/apps')).status, 401, 'API token');
    assert.equal(await access.userForPublicKey('ssh-ed25519', keyData), null, 'SSH key');
    assert.equal(await access.userForPassword(apiToken), null, 'git over HTTP');
    assert.equal(await access.mayAccess(dev.userId, 'anything', 'write'), false, 'a waiting push asks again and is refused');
    const refused = await login(dev.email, PASSWORD);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'DF_ERR_ACCOUNT_DISABLED');

    assert.equal((await admin.post(`/api/v1/users/${dev.userId}/enable`)).body.disabled, false);
    assert.equal((await login(dev.email, PASSWORD)).status, 200);
    assert.equal((await new Client(control.url, apiToken).get('/api/v1/apps')).status, 200);
  });

  it('never disables yourself or leaves no enabled admin, and records every attempt', async () => {
    const self = await admin.post(`/api/v1/users/${admin.userId}/disable`);
    assert.equal(self.status, 409);
    assert.equal(self.body.error.code, 'DF_ERR_CONFLICT');
    const second = await registerUser(control.url, 'admin', admin);
    assert.equal((await admin.post(`/api/v1/users/${second.userId}/disable`)).status, 200);
    // The other admin is disabled: demoting yourself would leave no admin who can sign in.
    const demote = await admin.patch(`/api/v1/users/${admin.userId}`, { role: 'developer' });
    assert.equal(demote.status, 409);
    assert.equal((await admin.get('/api/v1/auth/me')).body.role, 'admin');
    assert.equal((await admin.post(`/api/v1/users/${second.userId}/enable`)).status, 200);
    const audit = await admin.get(`/api/v1/audit?action=user.disable&limit=50`);
    const events = (Array.isArray(audit.body) ? audit.body : audit.body.events) as { target: string; result: string }[];
    assert.ok(events.some((e) => e.target === `user:${admin.userId}` && e.result !== 'ok'), 'the refused attempt is in the audit log');
    assert.ok(events.some((e) => e.target === `user:${second.userId}`), 'the disable is in the audit log');
  });
});
