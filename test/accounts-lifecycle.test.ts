// Accounts over their life, on a running control with a real SMTP server: changing a password
// ends every other session, a reset link arrives by e-mail and works once, an admin can make a
// link without e-mail, and disabling an account refuses its access token, refresh token, API
// token (also as the git HTTP password), SSH key (through a real ssh client) and open socket at
// once — with the last admin protected. Every refused attempt is in the audit log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../common/log/logger.js';
import { sha256 } from '../control/auth/tokens.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { ensureRepo, startGitService, type RunningGitService } from '../git/index.js';
import { run } from './git-fixtures.js';
import { connectSocket } from './support/realtime.js';
import { Client, registerUser, startTestControl, type ApiResponse, type TestControl } from './support/control.js';
import { readable, startMailbox, type TestMailbox } from './support/smtp.js';

const PASSWORD = 'correct horse battery';

/** Every file under `dir`, as one latin1 string, to look for a secret in. */
async function storedBytes(dir: string): Promise<string> {
  const files = (await fs.readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const parts = await Promise.all(files.map((e) => fs.readFile(path.join(e.parentPath, e.name)).catch(() => Buffer.alloc(0))));
  return Buffer.concat(parts).toString('latin1');
}

describe('account lifecycle', () => {
  let mailbox: TestMailbox;
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let git: RunningGitService;
  let home: string;
  /** The real git CLI with an isolated HOME, no credential helper and no prompt. */
  const gitAs = (args: string[], env: Record<string, string>) =>
    run('git', ['-c', 'credential.helper=', ...args], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...env },
    });

  const login = (email: string, password: string) => new Client(control.url).post('/api/v1/auth/login', { email, password });
  type Event = { target: string | null; result: string; actorId: string | null; details: Record<string, unknown> | null };
  const audited = async (action: string): Promise<Event[]> => (await admin.get(`/api/v1/audit?action=${action}&limit=200`)).body as Event[];

  before(async () => {
    mailbox = await startMailbox();
    control = await startTestControl({
      DEPLOYFLOW_SMTP_URL: mailbox.url,
      DEPLOYFLOW_PUBLIC_URL: 'https://deploy.example.test',
      GIT_HTTP_PORT: '0',
      GIT_SSH_PORT: '0',
    });
    const deps = control.service.deps;
    git = await startGitService({
      config: control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(deps),
      onPush: pushHandler(deps),
    });
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'df-accounts-lifecycle-'));
    admin = await registerUser(control.url);
  });
  after(async () => {
    await git?.stop();
    await control.stop();
    if (home) await fs.rm(home, { recursive: true, force: true });
    await mailbox.stop();
  });

  it('changes a password: wrong current one refused, other sessions end, API tokens keep working', async () => {
    const dev = await registerUser(control.url);
    const apiToken = (await dev.post('/api/v1/tokens', { name: 'ci' })).body.token as string;
    const other = (await login(dev.email, PASSWORD)).body;
    const wrong = await dev.post('/api/v1/auth/password', { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'DF_ERR_INVALID_CREDENTIALS');
    assert.equal((await login(dev.email, PASSWORD)).status, 200, 'nothing changed');
    assert.ok(
      (await audited('auth.password.change')).some(
        (e) => e.target === `user:${dev.userId}` && e.result === 'error' && e.details?.error === 'DF_ERR_INVALID_CREDENTIALS',
      ),
      'the wrong attempt is in the audit log',
    );

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
    while (!mailbox.mails.some((m) => m.to.includes(dev.email)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mail = mailbox.mails.find((m) => m.to.includes(dev.email));
    assert.ok(mail, 'the reset e-mail arrived');
    assert.ok(!mailbox.mails.some((m) => m.to.includes('nobody-here@example.test')));
    const body = readable(mail.body);
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
    assert.equal(
      (await anon.post('/api/v1/auth/password-reset', { token: 'dfx_made-up', newPassword: 'whatever it is' })).body.error.code,
      'DF_ERR_RESET_TOKEN_INVALID',
    );
    const refused = (await audited('auth.password.reset')).filter(
      (e) => e.result === 'error' && e.details?.error === 'DF_ERR_RESET_TOKEN_INVALID',
    );
    assert.ok(refused.length >= 2, 'the reused and the made-up token are in the audit log');
  });

  it('builds reset links from the public URL whatever the Host header says, and rate-limits reset requests', async () => {
    const dev = await registerUser(control.url);
    const { port } = new URL(control.url);
    // fetch will not send another Host; node:http sends what it is given, as a client on the network could.
    const forged = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ email: dev.email });
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/api/v1/auth/password-reset/request',
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.once('error', reject);
        req.end(body);
      });
    assert.equal(await forged({ host: 'evil.example' }), 202);
    assert.equal(await forged({ host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }), 202);
    const mine = () => mailbox.mails.filter((m) => m.to.includes(dev.email)).map((m) => readable(m.body));
    const deadline = Date.now() + 5000;
    while (mine().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(mine().length, 2, 'both e-mails arrived');
    for (const body of mine()) {
      assert.match(body, /https:\/\/deploy\.example\.test\/reset-password#token=/);
      assert.doesNotMatch(body, /evil\.example/);
    }

    const anon = new Client(control.url);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await anon.post('/api/v1/auth/password-reset/request', { email: dev.email })).status);
    assert.deepEqual(statuses, [202, 202, 202, 429], 'five requests for one address an hour');
    const limited = await anon.post('/api/v1/auth/password-reset/request', { email: dev.email });
    assert.equal(limited.body.error.code, 'DF_ERR_RATE_LIMITED');
    assert.ok(limited.headers.get('retry-after'));
    assert.ok(
      (await audited('auth.password.reset.request')).some(
        (e) => e.target === `email:${dev.email}` && e.details?.error === 'DF_ERR_RATE_LIMITED',
      ),
      'the refused request is in the audit log',
    );
  });

  it('refuses an expired reset token, changing nothing, and records the attempt', async () => {
    const dev = await registerUser(control.url);
    const { url } = (await admin.post(`/api/v1/users/${dev.userId}/password-reset-link`)).body as { url: string };
    const token = decodeURIComponent(url.split('#token=')[1]!);
    const before = (await audited('auth.password.reset')).length;
    const deps = control.service.deps;
    const realClock = deps.clock;
    deps.clock = () => realClock() + 31 * 60_000;
    let expired: ApiResponse;
    try {
      expired = await new Client(control.url).post('/api/v1/auth/password-reset', { token, newPassword: 'too late for this one' });
    } finally {
      deps.clock = realClock;
    }
    assert.equal(expired.status, 400);
    assert.equal(expired.body.error.code, 'DF_ERR_RESET_TOKEN_INVALID');
    assert.equal((await login(dev.email, 'too late for this one')).status, 401);
    assert.equal((await login(dev.email, PASSWORD)).status, 200, 'the password is unchanged');
    assert.equal((await dev.get('/api/v1/auth/me')).status, 200, 'the sessions go on');
    const events = await audited('auth.password.reset');
    assert.equal(events.length, before + 1);
    assert.equal(events[0]!.result, 'error');
    assert.equal(events[0]!.details?.error, 'DF_ERR_RESET_TOKEN_INVALID');
  });

  it('lets an admin make a one-time reset link; others may not', async () => {
    const dev = await registerUser(control.url);
    assert.equal((await dev.post(`/api/v1/users/${admin.userId}/password-reset-link`)).status, 403);
    const made = await admin.post(`/api/v1/users/${dev.userId}/password-reset-link`);
    assert.equal(made.status, 201);
    assert.match(made.body.url, /^https:\/\/deploy\.example\.test\/reset-password#token=/);
    const token = decodeURIComponent(made.body.url.split('#token=')[1]);
    // Stored hashed: the data directory (database and its write-ahead log) holds the token's SHA-256, never the token.
    const stored = await storedBytes(control.dataDir);
    assert.ok(stored.includes(sha256(token)), 'the hash is stored');
    assert.ok(!stored.includes(token), 'the token itself is not');
    assert.equal(
      (await new Client(control.url).post('/api/v1/auth/password-reset', { token, newPassword: 'chosen by the user' })).status,
      200,
    );
    assert.equal((await login(dev.email, 'chosen by the user')).status, 200);
  });

  it('disables an account: access, refresh and API tokens, a real SSH key, git over HTTP and the open socket are refused at once', async (t) => {
    const dev = await registerUser(control.url);
    assert.equal((await dev.post('/api/v1/apps', { name: 'leaver-repo' })).status, 201);
    await ensureRepo(control.config, 'leaver-repo');
    const apiToken = (await dev.post('/api/v1/tokens', { name: 'laptop' })).body.token as string;
    const keyFile = path.join(home, 'id_leaver');
    assert.equal((await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'leaver', '-f', keyFile])).code, 0);
    assert.equal((await dev.post('/api/v1/keys', { publicKey: await fs.readFile(`${keyFile}.pub`, 'utf8') })).status, 201);
    const overSsh = () =>
      gitAs(['ls-remote', `ssh://git@127.0.0.1:${git.sshPort}/leaver-repo.git`], {
        GIT_SSH_COMMAND: [
          'ssh',
          '-F',
          '/dev/null',
          '-i',
          keyFile,
          '-o',
          'IdentitiesOnly=yes',
          '-o',
          'IdentityAgent=none',
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'LogLevel=ERROR',
          '-p',
          String(git.sshPort),
        ].join(' '),
      });
    const overHttp = () => gitAs(['ls-remote', `http://leaver:${apiToken}@127.0.0.1:${git.httpPort}/leaver-repo.git`], {});
    const sshBefore = await overSsh();
    assert.equal(sshBefore.code, 0, `the key works before: ${sshBefore.stderr}`);
    assert.equal((await overHttp()).code, 0, 'git over HTTP with the API token works before');
    const socket = await connectSocket(control.url, apiToken);
    const ended = new Promise<{ code: string; at: number }>((resolve) =>
      socket.socket.once('session:end', (e: { code: string }) => resolve({ ...e, at: Date.now() })),
    );

    const disabled = await admin.post(`/api/v1/users/${dev.userId}/disable`);
    const answered = Date.now();
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    // Every credential is tried right after the answer, all at once: none has a grace period, and
    // each try starts well within the second the issue allows.
    const attempt = async <T>(name: string, work: () => Promise<T>) => {
      const startedAfter = Date.now() - answered;
      const result = await work();
      return { name, startedAfter, tookMs: Date.now() - answered - startedAfter, result };
    };
    const tries = await Promise.all([
      attempt('access token', async () => (await dev.get('/api/v1/auth/me')).status),
      attempt(
        'refresh token',
        async () => (await new Client(control.url).post('/api/v1/auth/refresh', { refreshToken: dev.refreshToken })).status,
      ),
      attempt('API token', async () => (await new Client(control.url, apiToken).get('/api/v1/apps')).status),
      attempt('SSH key', overSsh),
      attempt('git over HTTP', overHttp),
      attempt('waiting push', () => gitAccess(control.service.deps).mayAccess(dev.userId, 'leaver-repo', 'write')),
    ]);
    const [access, refresh, api, ssh, gitHttp, waiting] = tries;
    assert.equal(access!.result, 401, 'access token');
    assert.equal(refresh!.result, 401, 'refresh token');
    assert.equal(api!.result, 401, 'API token');
    assert.notEqual(ssh!.result.code, 0, 'the SSH key is refused by a real ssh client');
    assert.match(ssh!.result.stderr, /Permission denied/);
    assert.notEqual(gitHttp!.result.code, 0, 'git over HTTP with the API token is refused');
    assert.equal(waiting!.result, false, 'a waiting push asks again and is refused');
    for (const x of tries) assert.ok(x.startedAfter < 1000, `${x.name} tried ${x.startedAfter} ms after the answer`);

    // The open socket is told within a second of the answer (it may even be told before it).
    const deadline = new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, answered + 1000 - Date.now())));
    const end = await Promise.race([ended, deadline]);
    assert.ok(end, 'the open socket was not ended within 1000 ms of the disable');
    assert.equal(end.code, 'DF_ERR_INVALID_TOKEN', 'the open socket is ended');
    assert.ok(end.at - answered <= 1000, `the socket ended ${end.at - answered} ms after the answer`);
    t.diagnostic(
      `after the disable's answer: socket ended at ${end.at - answered} ms; ` +
        tries.map((x) => `${x.name} tried at ${x.startedAfter} ms, refused in ${x.tookMs} ms`).join(', '),
    );
    socket.close();
    const refused = await login(dev.email, PASSWORD);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'DF_ERR_ACCOUNT_DISABLED');

    assert.equal((await admin.post(`/api/v1/users/${dev.userId}/enable`)).body.disabled, false);
    assert.equal((await login(dev.email, PASSWORD)).status, 200);
    assert.equal((await new Client(control.url, apiToken).get('/api/v1/apps')).status, 200);
    assert.equal((await overSsh()).code, 0, 'the key works again once enabled');
  });

  it('never disables or deletes yourself or leaves no enabled admin: a clear code, nothing changed, every attempt recorded', async () => {
    type Refusal = { action: string; code: string };
    const refusals: Refusal[] = [];
    /** A refused attempt on the admin's own account: its status and code, and the audit entry it left. */
    const refusedOnSelf = async (answer: Promise<ApiResponse>, action: string, code: string) => {
      const r = await answer;
      assert.equal(r.status, 409, `${action}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, action);
      refusals.push({ action, code });
    };
    const usersNow = async () =>
      ((await admin.get('/api/v1/users')).body as { id: string; role: string; disabled: boolean }[])
        .map((u) => `${u.id}:${u.role}:${u.disabled}`)
        .sort();
    const before = await usersNow();
    // This admin is the platform's only admin: disabling or deleting them is disabling or deleting the last admin.
    assert.deepEqual(
      ((await admin.get('/api/v1/users')).body as { id: string; role: string }[]).filter((u) => u.role === 'admin').map((u) => u.id),
      [admin.userId],
    );
    await refusedOnSelf(admin.post(`/api/v1/users/${admin.userId}/disable`), 'user.disable', 'DF_ERR_OWN_ACCOUNT');
    await refusedOnSelf(admin.request('DELETE', `/api/v1/users/${admin.userId}`, { apps: 'delete' }), 'user.delete', 'DF_ERR_OWN_ACCOUNT');
    await refusedOnSelf(admin.patch(`/api/v1/users/${admin.userId}`, { role: 'developer' }), 'user.role', 'DF_ERR_LAST_ADMIN');
    assert.deepEqual(await usersNow(), before, 'nothing changed');
    assert.equal((await admin.get('/api/v1/auth/me')).body.role, 'admin', 'the session goes on');

    const second = await registerUser(control.url, 'admin', admin);
    assert.equal((await admin.post(`/api/v1/users/${second.userId}/disable`)).status, 200);
    // The other admin is disabled: demoting yourself would leave no admin who can sign in.
    await refusedOnSelf(admin.patch(`/api/v1/users/${admin.userId}`, { role: 'viewer' }), 'user.role', 'DF_ERR_LAST_ADMIN');
    assert.equal((await admin.get('/api/v1/auth/me')).body.role, 'admin');
    // With another admin, yourself is still yours to keep: not disabled, not deleted.
    assert.equal((await admin.post(`/api/v1/users/${second.userId}/enable`)).status, 200);
    await refusedOnSelf(admin.post(`/api/v1/users/${admin.userId}/disable`), 'user.disable', 'DF_ERR_OWN_ACCOUNT');
    await refusedOnSelf(admin.request('DELETE', `/api/v1/users/${admin.userId}`, {}), 'user.delete', 'DF_ERR_OWN_ACCOUNT');
    const afterAll = await admin.get('/api/v1/users');
    const me = (afterAll.body as { id: string; role: string; disabled: boolean }[]).find((u) => u.id === admin.userId);
    assert.deepEqual({ role: me?.role, disabled: me?.disabled }, { role: 'admin', disabled: false }, 'nothing changed');

    // Every refused attempt is in the audit log, one entry each, with its code; the allowed ones too.
    for (const action of new Set(refusals.map((r) => r.action))) {
      const mine = (await audited(action)).filter((e) => e.target === `user:${admin.userId}`);
      assert.deepEqual(
        mine.map((e) => [e.actorId, e.result, e.details?.error]).reverse(),
        refusals.filter((r) => r.action === action).map((r) => [admin.userId, 'error', r.code]),
        `${action} attempts on yourself`,
      );
    }
    const disables = (await audited('user.disable')).filter((e) => e.target === `user:${second.userId}`);
    assert.deepEqual(
      disables.map((e) => e.result),
      ['ok'],
      'the disable is in the audit log',
    );
  });
});
