// Two-factor sign-in on a running control: enrolment with a code computed from the secret (as an
// authenticator app would), sign-in that needs the code, a code that cannot be replayed, a
// recovery code that works once, wrong codes rate-limited like passwords, and the admin setting
// that makes admins enrol before anything else while API tokens keep working. An account with
// two-factor sign-in pushes with the real git client over HTTP with its API token (the README:
// git over HTTP uses API tokens and is not asked for a code), and its password is no git password.
// Every wrong code is in the audit log.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { createLogger } from '../common/log/logger.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { ensureRepo, startGitService, type PushEvent, type RunningGitService } from '../git/index.js';
import { run } from './git-fixtures.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';

const PASSWORD = 'correct horse battery';
const codeAt = (secret: string, ms: number): string =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: ms });

describe('two-factor sign-in', () => {
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  type Event = { target: string | null; result: string; details: Record<string, unknown> | null };
  const audited = async (action: string): Promise<Event[]> => (await admin.get(`/api/v1/audit?action=${action}&limit=200`)).body as Event[];
  const login = (email: string, extra: Record<string, string> = {}) =>
    new Client(control.url).post('/api/v1/auth/login', { email, password: PASSWORD, ...extra });

  let git: RunningGitService;
  let work: string;
  /** The pushes the git service accepted: the deploy stands in for a build, publishing the branch. */
  const pushes: PushEvent[] = [];
  /** The real git CLI with an isolated HOME, no credential helper and no prompt. */
  const g = (args: string[]) =>
    run('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', '-c', 'credential.helper=', ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
    });

  before(async () => {
    control = await startTestControl({ GIT_HTTP_PORT: '0', GIT_SSH_PORT: '0' });
    git = await startGitService({
      config: control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(control.service.deps),
      onPush: async (event) => {
        await event.publishRef();
        pushes.push(event);
        return { ok: true, message: `Deployed ${event.app}` };
      },
    });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'df-second-factor-git-'));
    admin = await registerUser(control.url);
  });
  after(async () => {
    await git?.stop();
    await control.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('enrols with a code from the secret, then asks for a code at every sign-in', async () => {
    const dev = await registerUser(control.url);
    assert.equal((await dev.post('/api/v1/auth/2fa/setup', { password: 'wrong password' })).status, 401);
    const setup = await dev.post('/api/v1/auth/2fa/setup', { password: PASSWORD });
    assert.equal(setup.status, 200);
    assert.match(setup.body.otpauthUrl, /^otpauth:\/\/totp\/.*secret=/);
    const secret = setup.body.secret as string;
    assert.equal((await login(dev.email)).status, 200, 'not required before it is confirmed');
    const bad = await dev.post('/api/v1/auth/2fa/confirm', { code: '000000' === codeAt(secret, Date.now()) ? '111111' : '000000' });
    assert.equal(bad.body.error.code, 'DF_ERR_SECOND_FACTOR_INVALID');
    assert.ok(
      (await audited('auth.2fa.enable')).some(
        (e) => e.target === `user:${dev.userId}` && e.details?.error === 'DF_ERR_SECOND_FACTOR_INVALID',
      ),
      'the wrong first code is in the audit log',
    );
    // The previous step's code (clock drift of one step is allowed), so the next sign-in can use the current one.
    const confirmed = await dev.post('/api/v1/auth/2fa/confirm', { code: codeAt(secret, Date.now() - 30_000) });
    assert.equal(confirmed.status, 200);
    const recovery = confirmed.body.recoveryCodes as string[];
    assert.equal(recovery.length, 10);
    assert.equal((await dev.get('/api/v1/auth/2fa')).body.enabled, true);

    const without = await login(dev.email);
    assert.equal(without.status, 401);
    assert.equal(without.body.error.code, 'DF_ERR_SECOND_FACTOR_REQUIRED');
    assert.equal(without.body.accessToken, undefined);
    const code = codeAt(secret, Date.now());
    const ok = await login(dev.email, { code });
    assert.equal(ok.status, 200);
    const replay = await login(dev.email, { code });
    assert.equal(replay.body.error.code, 'DF_ERR_SECOND_FACTOR_INVALID', 'a code works once');

    const byRecovery = await login(dev.email, { code: recovery[0]! });
    assert.equal(byRecovery.status, 200);
    assert.equal(
      (await login(dev.email, { code: recovery[0]! })).body.error.code,
      'DF_ERR_SECOND_FACTOR_INVALID',
      'a recovery code works once',
    );
    assert.equal((await new Client(control.url, byRecovery.body.accessToken).get('/api/v1/auth/2fa')).body.recoveryCodesLeft, 9);

    const off = await new Client(control.url, ok.body.accessToken).post('/api/v1/auth/2fa/disable', {
      password: PASSWORD,
      code: recovery[1]!,
    });
    assert.equal(off.status, 200);
    assert.equal((await login(dev.email)).status, 200, 'off again');
  });

  it('rate-limits wrong codes like wrong passwords', async () => {
    const dev = await registerUser(control.url);
    const secret = (await dev.post('/api/v1/auth/2fa/setup', { password: PASSWORD })).body.secret as string;
    assert.equal((await dev.post('/api/v1/auth/2fa/confirm', { code: codeAt(secret, Date.now()) })).status, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login(dev.email, { code: '12345x' })).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
    const limited = await login(dev.email, { code: codeAt(secret, Date.now() + 30_000) });
    assert.equal(limited.status, 429, 'even the right code, until the window passes');
    assert.ok(limited.headers.get('retry-after'));
    assert.equal(
      (await new Client(control.url).post('/api/v1/auth/login', { email: dev.email, password: PASSWORD })).status,
      429,
      'no session made',
    );
    const attempts = (await audited('auth.login')).filter((e) => e.target === `email:${dev.email}` && e.result === 'error');
    assert.equal(
      attempts.filter((e) => e.details?.error === 'DF_ERR_SECOND_FACTOR_INVALID').length,
      10,
      'every wrong code is in the audit log',
    );
    assert.equal(attempts.filter((e) => e.details?.error === 'DF_ERR_RATE_LIMITED').length, 3, 'and every refused attempt after the limit');
  });

  it('pushes over git HTTP and calls the API with an API token, no code asked; the password alone is no git password', async () => {
    const dev = await registerUser(control.url);
    const secret = (await dev.post('/api/v1/auth/2fa/setup', { password: PASSWORD })).body.secret as string;
    assert.equal((await dev.post('/api/v1/auth/2fa/confirm', { code: codeAt(secret, Date.now() - 30_000) })).status, 200);
    assert.equal((await login(dev.email)).body.error.code, 'DF_ERR_SECOND_FACTOR_REQUIRED', 'two-factor sign-in is on');
    const session = new Client(control.url, (await login(dev.email, { code: codeAt(secret, Date.now()) })).body.accessToken);
    const made = await session.post('/api/v1/tokens', { name: 'ci' });
    assert.equal(made.status, 201);
    const token = made.body.token as string;
    assert.equal((await session.post('/api/v1/apps', { name: 'two-factor-app' })).status, 201);
    await ensureRepo(control.config, 'two-factor-app');

    await g(['init', '-q', '-b', 'main']);
    await fs.writeFile(path.join(work, 'README'), 'pushed with a token\n');
    await g(['add', '-A']);
    await g(['commit', '-qm', 'first']);
    const head = (await g(['rev-parse', 'HEAD'])).stdout.trim();
    const remote = (user: string, password: string) =>
      `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${git.httpPort}/two-factor-app.git`;

    const byPassword = await g(['push', remote(dev.email, PASSWORD), 'main']);
    assert.notEqual(byPassword.code, 0, 'the account password is not a git password');
    assert.match(byPassword.stderr, /Authentication failed|401/);
    assert.equal(pushes.length, 0, 'nothing was pushed');

    const pushed = await g(['push', remote('anyone', token), 'main']);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stderr, /remote: Deployed two-factor-app/);
    assert.deepEqual(
      pushes.map((e) => ({ app: e.app, userId: e.userId, commit: e.newCommit })),
      [{ app: 'two-factor-app', userId: dev.userId, commit: head }],
      "the push is the account's",
    );
    const listed = await g(['ls-remote', remote('anyone', token), 'refs/heads/main']);
    assert.equal(listed.stdout.split('\t')[0], head, 'the branch is on the server');

    const api = new Client(control.url, token);
    assert.equal((await api.get('/api/v1/auth/me')).body.id, dev.userId, 'the same token on the REST API');
    const app = await api.get('/api/v1/apps/two-factor-app');
    assert.equal(app.status, 200);
    assert.equal(app.body.name, 'two-factor-app');
    assert.equal((await api.put('/api/v1/apps/two-factor-app/env', { vars: { GREETING: 'hello' } })).status, 200, 'and may change things');
  });

  it('makes admins enrol first when the platform says so; API tokens keep working', async () => {
    const apiToken = (await admin.post('/api/v1/tokens', { name: 'automation' })).body.token as string;
    assert.equal((await admin.patch('/api/v1/settings', { secondFactorRequiredForAdmins: true })).status, 200);
    const refused = await admin.get('/api/v1/users');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'DF_ERR_SECOND_FACTOR_SETUP_REQUIRED');
    assert.equal((await new Client(control.url, apiToken).get('/api/v1/users')).status, 200, 'API token');
    const secret = (await admin.post('/api/v1/auth/2fa/setup', { password: PASSWORD })).body.secret as string;
    assert.equal((await admin.post('/api/v1/auth/2fa/confirm', { code: codeAt(secret, Date.now()) })).status, 200);
    assert.equal((await admin.get('/api/v1/users')).status, 200);
    const dev = await registerUser(control.url);
    assert.equal((await dev.get('/api/v1/apps')).status, 200, 'developers are not asked');
  });
});
