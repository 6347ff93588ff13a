// The real `bin/deployflow` client, spawned as a user runs it (temp HOME, no terminal), against a
// real control with Redis and Docker: login on stdin, apps:create in a git checkout, config, a
// deployed app scaled, its logs (followed live), deploy and rollback streaming their log, and the
// exit code and one-line error of each kind of failure.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { startTestControl } from './support/control.js';
import { freePort } from './support/ports.js';
import { answer, startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');
const APP = 'cli-ops';
const CREATED = 'cli-shop';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('deployflow command-line client', () => {
  let s: OpsStack;
  let home: string;
  let checkout: string;

  /** Runs the CLI to its end; `env` adds to (or, with undefined, removes from) a clean environment. */
  function cli(args: string[], opts: { input?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: home, DEPLOYFLOW_URL: s.control.url, ...opts.env };
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: opts.cwd ?? home,
        env: env as NodeJS.ProcessEnv,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(opts.input ?? '');
    });
  }

  /** One `deployflow: DF_ERR_…: message` line on stderr, the given exit code, no stack trace. */
  function assertFailure(r: Run, exitCode: number, code: string, message?: RegExp): void {
    assert.equal(r.code, exitCode, `exit code (stderr: ${r.stderr})`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[lines.length - 1]!, new RegExp(`^deployflow: ${code}: `));
    if (message) assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }

  before(async () => {
    s = await startOpsStack();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-cli-home-'));
    checkout = path.join(home, 'shop');
    fs.mkdirSync(checkout);
    await s.deploy(APP, 'v1');
  });
  after(async () => {
    await s.cleanup([APP, CREATED]);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('logs in with e-mail and password answered on stdin and keeps only an API token, mode 0600', async () => {
    const r = await cli(['login'], { input: `${s.owner.email}\ncorrect horse battery\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Logged in to .* as ${s.owner.email}`));
    const file = path.join(home, '.config', 'deployflow', 'credentials');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { token: string; url: string };
    assert.equal(stored.url, s.control.url);
    assert.match(stored.token, /^dfp_/);
    const who = await cli(['whoami', '--json']);
    assert.deepEqual(JSON.parse(who.stdout), (await s.owner.get('/api/v1/auth/me')).body);
    assert.equal((await cli(['whoami'])).stdout.trim(), s.owner.email);
  });

  it('asks for the two-factor code when the account has two-factor sign-in on', async () => {
    const setup = await s.admin.post('/api/v1/auth/2fa/setup', { password: 'correct horse battery' });
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret as string), digits: 6, period: 30 });
    // The previous step's code confirms (one step of drift is allowed), so sign-in can use the current one.
    assert.equal((await s.admin.post('/api/v1/auth/2fa/confirm', { code: totp.generate({ timestamp: Date.now() - 30_000 }) })).status, 200);
    const adminHome = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-cli-admin-'));
    const r = await cli(['login'], { input: `${s.admin.email}\ncorrect horse battery\n${totp.generate()}\n`, env: { HOME: adminHome } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Two-factor code: /);
    assert.equal((await cli(['whoami'], { env: { HOME: adminHome } })).stdout.trim(), s.admin.email);
    fs.rmSync(adminHome, { recursive: true });
  });

  it('answers bad input with its exit code and one DF_ERR line', async () => {
    assertFailure(await cli(['aps']), 2, 'DF_ERR_VALIDATION', /Did you mean apps\?/);
    assertFailure(await cli(['apps', '--bogus']), 2, 'DF_ERR_VALIDATION');
    assertFailure(await cli(['ps:scale', 'worker=2', '-a', APP]), 2, 'DF_ERR_VALIDATION', /web=N/);
    assertFailure(await cli(['ps'], { cwd: os.tmpdir() }), 2, 'DF_ERR_VALIDATION', /-a APP/);
    const nobody = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-cli-nobody-'));
    assertFailure(await cli(['apps'], { env: { HOME: nobody } }), 3, 'DF_ERR_UNAUTHENTICATED', /deployflow login/);
    fs.rmSync(nobody, { recursive: true });
    assertFailure(await cli(['apps'], { env: { DEPLOYFLOW_TOKEN: 'dfp_not-a-real-token' } }), 3, 'DF_ERR_INVALID_TOKEN');
    assertFailure(await cli(['apps:info', '-a', 'no-such-app']), 4, 'DF_ERR_APP_NOT_FOUND');
    assertFailure(
      await cli(['apps'], { env: { DEPLOYFLOW_URL: `http://127.0.0.1:${await freePort()}` } }),
      1,
      'DF_ERR_UNAVAILABLE',
      /ECONNREFUSED/,
    );
    const help = await cli(['config:set', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /example:\n {2}deployflow config:set /);
  });

  it('creates an app in a git checkout (adding the remote) and manages its config there', async () => {
    const init = await new Promise<number | null>((resolve) => spawn('git', ['init', '-q'], { cwd: checkout }).once('close', resolve));
    assert.equal(init, 0);
    const created = await cli(['apps:create', CREATED, '--json'], { cwd: checkout });
    assert.equal(created.code, 0, created.stderr);
    const app = (await s.owner.get(`/api/v1/apps/${CREATED}`)).body;
    assert.deepEqual(JSON.parse(created.stdout), app, '--json prints the API object');
    const remote = await cli(['apps:info', '--json'], { cwd: checkout });
    assert.deepEqual(JSON.parse(remote.stdout), app, 'the app comes from the deployflow remote');
    assert.equal(fs.readFileSync(path.join(checkout, '.git', 'config'), 'utf8').includes(`url = ${app.gitUrls.http}`), true);

    assert.equal((await cli(['config:set', 'GREETING=hello=world', 'LEVEL=info'], { cwd: checkout })).code, 0);
    assert.equal((await cli(['config:get', 'GREETING'], { cwd: checkout })).stdout, 'hello=world\n');
    assert.equal((await cli(['config:unset', 'LEVEL'], { cwd: checkout })).code, 0);
    const config = await cli(['config', '--json'], { cwd: checkout });
    assert.deepEqual(JSON.parse(config.stdout), (await s.owner.get(`/api/v1/apps/${CREATED}/env`)).body);
    assert.deepEqual(JSON.parse(config.stdout).vars, { GREETING: 'hello=world' });
    assertFailure(await cli(['config:get', 'LEVEL'], { cwd: checkout }), 4, 'DF_ERR_NOT_FOUND');

    // Not a terminal: an aligned table, no colour.
    const table = (await cli(['apps'])).stdout.split('\n');
    assert.doesNotMatch(table.join('\n'), /\x1b/); // eslint-disable-line no-control-regex
    const header = table[0]!;
    assert.match(header, /^NAME +URL +REPLICAS +CREATED$/);
    const row = table.find((l) => l.startsWith(`${CREATED} `))!;
    assert.equal(row.indexOf('http://'), header.indexOf('URL'));
  });

  it('scales, shows and follows the logs, deploys and rolls back a running app', async () => {
    const scaled = await cli(['ps:scale', 'web=2', '-a', APP, '--json']);
    assert.equal(scaled.code, 0, scaled.stderr);
    const status = JSON.parse(scaled.stdout) as { replicas: { healthy?: boolean; hostPort: number }[] };
    assert.equal(status.replicas.filter((r) => r.healthy).length, 2);
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}`)).body.replicas, 2);
    const ps = await cli(['ps', '-a', APP]);
    assert.match(ps.stdout, /^cli-ops: running/);
    assert.equal(ps.stdout.split('\n').filter((l) => / running +healthy/.test(l)).length, 2);

    const logs = await cli(['logs', '-a', APP, '--num', '10']);
    assert.equal(logs.stdout.match(/ \| listening on \d+/g)?.length, 2, logs.stdout);

    // --tail: the recent lines, then a line the app prints now, once; Ctrl-C ends it with 0.
    const follow = spawn(process.execPath, [BIN, 'logs', '--tail', '-a', APP], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, DEPLOYFLOW_URL: s.control.url, DEPLOYFLOW_LOGS_SETTLE_MS: '300' },
    });
    let followed = '';
    let followErr = '';
    follow.stdout.on('data', (c: Buffer) => {
      followed += c.toString();
    });
    follow.stderr.on('data', (c: Buffer) => {
      followErr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => follow.once('close', resolve));
    await waitFor(async () => followed.includes('listening on'), 'the recent lines');
    await waitFor(async () => {
      await answer(status.replicas[0]!.hostPort, '/from-the-cli-test');
      return followed.includes('GET /from-the-cli-test');
    }, 'a live line');
    // Control goes away and comes back on the same port: the line printed meanwhile arrives after
    // the reconnect, and nothing shown before is shown again.
    const port = new URL(s.control.url).port;
    await s.control.stop(false);
    await answer(status.replicas[0]!.hostPort, '/while-control-was-away');
    s.control = await startTestControl({ ...s.env, CONTROL_PORT: port }, s.control.dataDir);
    await waitFor(async () => followed.includes('GET /while-control-was-away'), 'the line printed during the outage').catch(
      (err: Error) => {
        throw new Error(`${err.message}; shown: ${followed}; stderr: ${followErr}`);
      },
    );
    await waitFor(async () => {
      await answer(status.replicas[0]!.hostPort, '/after-the-reconnect');
      return followed.includes('GET /after-the-reconnect');
    }, 'a live line after the reconnect');
    follow.kill('SIGINT');
    assert.equal(await exited, 0);
    const shown = followed.split('\n');
    const count = (path: string): number => shown.filter((l) => l.endsWith(`| GET ${path}`)).length;
    const printed = ((await s.owner.get(`/api/v1/apps/${APP}/logs?tail=500`)).body as string).split('\n');
    const printedCount = (path: string): number => printed.filter((l) => l.endsWith(`| GET ${path}`)).length;
    for (const p of ['/from-the-cli-test', '/after-the-reconnect'])
      assert.ok(count(p) >= 1 && count(p) <= printedCount(p), `${p} shown once per print`);
    assert.equal(count('/while-control-was-away'), 1);
    assert.equal(shown.filter((l) => / \| listening on /.test(l)).length, 2, 'the first tail is not shown again after the reconnect');

    const deployed = await cli(['deploy', '-a', APP]);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, /is live at http:\/\/cli-ops\./);

    const releases = await cli(['releases', '-a', APP, '--json']);
    const history = (await s.owner.get(`/api/v1/apps/${APP}/deployments`)).body as { id: string; status: string }[];
    assert.deepEqual(JSON.parse(releases.stdout), history);
    assert.equal(history[0]!.status, 'running');
    const table = await cli(['releases', '-a', APP]);
    assert.match(table.stdout.split('\n')[1]!, new RegExp(`^${history[0]!.id.slice(0, 8)} +running`));

    const rolled = await cli(['rollback', history[1]!.id.slice(0, 8), '-a', APP, '--json']);
    assert.equal(rolled.code, 0, rolled.stderr);
    const final = JSON.parse(rolled.stdout) as { id: string; status: string };
    assert.equal(final.status, 'running');
    assert.deepEqual(final, (await s.owner.get(`/api/v1/deployments/${final.id}`)).body);
    assert.match(rolled.stderr, /is live at/, 'the log streams to stderr with --json');

    const failed = await cli(['deploy', '--image', `deployflow/${APP}:no-such-tag`, '-a', APP]);
    assertFailure(failed, 1, 'DF_ERR_DEPLOY_FAILED');
  });

  it('destroys an app only with --confirm, and logout revokes the token it stored', async () => {
    assertFailure(await cli(['apps:destroy', CREATED]), 2, 'DF_ERR_VALIDATION', /--confirm cli-shop/);
    assert.equal((await s.owner.get(`/api/v1/apps/${CREATED}`)).status, 200);
    const destroyed = await cli(['apps:destroy', CREATED, '--confirm', CREATED], { cwd: checkout });
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.equal((await s.owner.get(`/api/v1/apps/${CREATED}`)).status, 404);
    assert.equal(fs.readFileSync(path.join(checkout, '.git', 'config'), 'utf8').includes('deployflow'), false, 'the remote went with it');

    const tokensBefore = (await s.owner.get('/api/v1/tokens')).body.length;
    assert.equal((await cli(['logout'])).code, 0);
    assert.equal((await s.owner.get('/api/v1/tokens')).body.length, tokensBefore - 1);
    assertFailure(await cli(['whoami']), 3, 'DF_ERR_UNAUTHENTICATED');
  });
});
