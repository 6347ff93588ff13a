// The real `bin/deployflow` client, spawned as a user runs it (temp HOME, no terminal), against a
// real control and git service with Redis and Docker. One app goes through the whole cycle a user
// goes through: login → apps:create in a git checkout (which adds the `deployflow` remote) →
// config:set → a real `git push deployflow main` to that remote → ps:scale web=2 → logs → a second
// push → releases → rollback → logs --tail receiving a line the app prints (across a restart of
// control) → apps:destroy; each step's --json output is checked against the API's own object and
// each exit code. Then the exit code and one-line error of each kind of failure.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { createLogger } from '../common/log/logger.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { pushHandler } from '../control/git-bridge/push.js';
import { startGitService, type RunningGitService } from '../git/index.js';
import { startTestControl } from './support/control.js';
import { freePort } from './support/ports.js';
import { run } from './git-fixtures.js';
import { answer, startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');
const APP = 'cli-shop';

/** The app pushed: answers `<version> <GREETING>`, logs every request but `/` (`GET /path`). */
const SERVER_JS = `
const http = require('node:http');
http.createServer((req, res) => {
  if (req.url !== '/') console.log('GET ' + req.url);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(process.env.APP_VERSION + ' ' + (process.env.GREETING || '-') + '\\n');
}).listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Status {
  state: string;
  replicas: { name: string; healthy?: boolean; hostPort: number; deploymentId: string }[];
  deployment: { id: string } | null;
}

describe('deployflow command-line client', () => {
  let s: OpsStack;
  let git: RunningGitService;
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

  /** Runs the CLI with --json in the checkout, asserts exit 0 and returns the parsed stdout. */
  async function json<T = unknown>(args: string[]): Promise<{ value: T; run: Run }> {
    const r = await cli([...args, '--json'], { cwd: checkout });
    assert.equal(r.code, 0, `deployflow ${args.join(' ')}: ${r.stderr}`);
    return { value: JSON.parse(r.stdout) as T, run: r };
  }

  /** One `deployflow: DF_ERR_…: message` line on stderr, the given exit code, no stack trace. */
  function assertFailure(r: Run, exitCode: number, code: string, message?: RegExp): void {
    assert.equal(r.code, exitCode, `exit code (stderr: ${r.stderr})`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[lines.length - 1]!, new RegExp(`^deployflow: ${code}: `));
    if (message) assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }

  /** git as the user runs it in the checkout. The remote's host (the platform's domain) resolves to
   * loopback for this process only, and the password is the API token `login` stored, kept by
   * git's own credential store as the README suggests. */
  function g(args: string[]): Promise<Run> {
    const { token } = JSON.parse(fs.readFileSync(path.join(home, '.config', 'deployflow', 'credentials'), 'utf8')) as { token: string };
    const store = path.join(home, 'git-credentials');
    fs.writeFileSync(store, `http://deployflow:${encodeURIComponent(token)}@paas.test:${git.httpPort}\n`, { mode: 0o600 });
    return run(
      'git',
      [
        '-c',
        'user.name=T',
        '-c',
        'user.email=t@example.invalid',
        '-c',
        `credential.helper=store --file=${store}`,
        '-c',
        `http.curloptResolve=paas.test:${git.httpPort}:127.0.0.1`,
        ...args,
      ],
      { cwd: checkout, env: { PATH: process.env.PATH!, HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' } },
    );
  }

  async function commit(version: string): Promise<string> {
    fs.writeFileSync(
      path.join(checkout, 'Dockerfile'),
      `FROM ${s.base}\nWORKDIR /srv\nCOPY server.js .\nENV APP_VERSION=${version}\nUSER node\nCMD ["node", "server.js"]\n`,
    );
    fs.writeFileSync(path.join(checkout, 'server.js'), SERVER_JS);
    assert.equal((await g(['add', '-A'])).code, 0);
    assert.equal((await g(['commit', '-qm', version])).code, 0);
    return (await g(['rev-parse', 'HEAD'])).stdout.trim();
  }

  /** What every upstream in the route table answers to `/`. */
  async function served(): Promise<string[]> {
    const route = await s.route(APP);
    assert.ok(route, 'the app has a route');
    return Promise.all(route.upstreams.map((u) => answer(u.port)));
  }

  before(async () => {
    s = await startOpsStack({ GIT_HTTP_PORT: String(await freePort()), GIT_SSH_PORT: String(await freePort()) });
    git = await startGitService({
      config: s.control.config,
      log: createLogger('git', 'silent'),
      access: gitAccess(s.control.service.deps),
      onPush: pushHandler(s.control.service.deps),
    });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-cli-home-'));
    checkout = path.join(home, 'shop');
    fs.mkdirSync(checkout);
  });
  after(async () => {
    await git.stop();
    await s.cleanup([APP]);
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
    assert.equal(who.code, 0);
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

  it('cycle 1: apps:create in a git checkout adds the deployflow remote; config:set', async () => {
    assert.equal((await g(['init', '-q', '-b', 'main'])).code, 0);
    const created = await json<{ name: string; gitUrls: { http: string } }>(['apps:create', APP]);
    const app = (await s.owner.get(`/api/v1/apps/${APP}`)).body;
    assert.deepEqual(created.value, app, '--json prints the API object');
    assert.equal((await g(['remote', 'get-url', 'deployflow'])).stdout.trim(), app.gitUrls.http);
    assert.equal(app.gitUrls.http, `http://paas.test:${git.httpPort}/${APP}.git`);
    assert.deepEqual((await json(['apps:info'])).value, app, 'the app comes from the deployflow remote');

    const set = await json(['config:set', 'GREETING=hello=world', 'LEVEL=info']);
    assert.deepEqual(set.value, { keys: ['GREETING', 'LEVEL'] });
    assert.equal((await cli(['config:get', 'GREETING'], { cwd: checkout })).stdout, 'hello=world\n');
    assert.equal((await cli(['config:unset', 'LEVEL'], { cwd: checkout })).code, 0);
    const config = await json<{ vars: Record<string, string> }>(['config']);
    assert.deepEqual(config.value, (await s.owner.get(`/api/v1/apps/${APP}/env`)).body);
    assert.deepEqual(config.value.vars, { GREETING: 'hello=world' });
    assertFailure(await cli(['config:get', 'LEVEL'], { cwd: checkout }), 4, 'DF_ERR_NOT_FOUND');

    // Not a terminal: an aligned table, no colour.
    const table = (await cli(['apps'])).stdout.split('\n');
    assert.doesNotMatch(table.join('\n'), /\x1b/); // eslint-disable-line no-control-regex
    const header = table[0]!;
    assert.match(header, /^NAME +URL +REPLICAS +CREATED$/);
    const row = table.find((l) => l.startsWith(`${APP} `))!;
    assert.equal(row.indexOf('http://'), header.indexOf('URL'));
  });

  it('cycle 2: git push deployflow main builds and releases the app with its config', async () => {
    const v1 = await commit('v1');
    const push = await g(['push', 'deployflow', 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /remote: .*Deployed to http:\/\/cli-shop\.paas\.test/);
    assert.deepEqual(await served(), ['v1 hello=world']);
    const releases = await json<{ commit: string; status: string; source: string }[]>(['releases']);
    assert.deepEqual(releases.value, (await s.owner.get(`/api/v1/apps/${APP}/deployments`)).body);
    assert.deepEqual(
      releases.value.map((d) => [d.commit, d.status]),
      [[v1, 'running']],
    );
  });

  it('cycle 3: ps:scale web=2 runs two healthy replicas; ps and logs show both', async () => {
    const scaled = await json<Status>(['ps:scale', 'web=2']);
    assert.equal(scaled.value.replicas.filter((r) => r.healthy).length, 2);
    assert.match(scaled.run.stderr, /Scaling cli-shop to 2\.\.\. done/);
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}`)).body.replicas, 2);
    assert.deepEqual((await json(['ps'])).value, (await s.owner.get(`/api/v1/apps/${APP}/status`)).body);
    assert.deepEqual(await served(), ['v1 hello=world', 'v1 hello=world']);
    const ps = await cli(['ps'], { cwd: checkout });
    assert.equal(ps.code, 0);
    assert.match(ps.stdout, /^cli-shop: running/);
    assert.equal(ps.stdout.split('\n').filter((l) => / running +healthy/.test(l)).length, 2);

    const logs = await cli(['logs', '--num', '10', '--json'], { cwd: checkout });
    assert.equal(logs.code, 0, logs.stderr);
    const lines = logs.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { replica: string; line: string });
    const listening = lines.filter((l) => /^listening on \d+$/.test(l.line));
    assert.equal(new Set(listening.map((l) => l.replica)).size, 2, logs.stdout);
    const human = await cli(['logs', '--num', '10'], { cwd: checkout });
    assert.equal(human.stdout.match(/ \| listening on \d+/g)?.length, 2, human.stdout);
  });

  it('cycle 4: a second push, releases newest first, rollback (no ID) to the one before', async () => {
    await g(['commit', '-q', '--allow-empty', '-m', 'noop']); // an extra commit on the way, as in real life
    const v2 = await commit('v2');
    const push = await g(['push', 'deployflow', 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.deepEqual(await served(), ['v2 hello=world', 'v2 hello=world'], 'the scale is kept');

    const releases = await json<{ id: string; commit: string; status: string }[]>(['releases']);
    const history = (await s.owner.get(`/api/v1/apps/${APP}/deployments`)).body as { id: string; commit: string; status: string }[];
    assert.deepEqual(releases.value, history);
    assert.deepEqual(
      history.map((d) => d.status),
      ['running', 'superseded'],
    );
    assert.equal(history[0]!.commit, v2);
    const table = await cli(['releases'], { cwd: checkout });
    assert.equal(table.code, 0);
    assert.match(
      table.stdout.split('\n')[1]!,
      new RegExp(`^${history[0]!.id.slice(0, 8)} +running +git +refs/heads/main +${v2.slice(0, 7)}`),
    );

    const rolled = await json<{ id: string; status: string; rollbackOf?: string }>(['rollback']);
    assert.equal(rolled.value.status, 'running');
    assert.deepEqual(rolled.value, (await s.owner.get(`/api/v1/deployments/${rolled.value.id}`)).body);
    assert.match(rolled.run.stderr, new RegExp(`Rolling cli-shop back to ${history[1]!.id.slice(0, 8)}`));
    assert.match(rolled.run.stderr, /is live at/, 'the log streams to stderr with --json');
    assert.deepEqual(await served(), ['v1 hello=world', 'v1 hello=world'], 'v1 serves again, on two replicas');
    assert.equal((await json<unknown[]>(['releases'])).value.length, 3);
  });

  it('cycle 5: logs --tail shows a line the app prints now, once, across a restart of control', async () => {
    // The rolled-back-from replicas drain for a moment: follow once only the two current ones remain.
    const status = await waitFor(async () => {
      const st = (await s.owner.get(`/api/v1/apps/${APP}/status`)).body as Status;
      return st.replicas.length === 2 && st.replicas.every((r) => r.deploymentId === st.deployment?.id) && st;
    }, 'the old replicas to drain');
    const port = status.replicas[0]!.hostPort;
    // --tail: the recent lines, then a line the app prints now, once; Ctrl-C ends it with 0.
    const follow = spawn(process.execPath, [BIN, 'logs', '--tail', '--num', '10'], {
      cwd: checkout,
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
      await answer(port, '/from-the-cli-test');
      return followed.includes('GET /from-the-cli-test');
    }, 'a live line');
    const listening = (): number => followed.split('\n').filter((l) => / \| listening on /.test(l)).length;
    const firstTail = listening();
    assert.ok(firstTail >= 2, 'the recent lines of both replicas');
    // Control goes away and comes back on the same port: the line printed meanwhile arrives after
    // the reconnect, and nothing shown before is shown again.
    const controlPort = new URL(s.control.url).port;
    await s.control.stop(false);
    await answer(port, '/while-control-was-away');
    s.control = await startTestControl({ ...s.env, CONTROL_PORT: controlPort }, s.control.dataDir);
    await waitFor(async () => followed.includes('GET /while-control-was-away'), 'the line printed during the outage').catch(
      (err: Error) => {
        throw new Error(`${err.message}; shown: ${followed}; stderr: ${followErr}`);
      },
    );
    await waitFor(async () => {
      await answer(port, '/after-the-reconnect');
      return followed.includes('GET /after-the-reconnect');
    }, 'a live line after the reconnect');
    follow.kill('SIGINT');
    assert.equal(await exited, 0);
    const shown = followed.split('\n');
    const count = (p: string): number => shown.filter((l) => l.endsWith(`| GET ${p}`)).length;
    const printed = ((await s.owner.get(`/api/v1/apps/${APP}/logs?tail=500`)).body as string).split('\n');
    const printedCount = (p: string): number => printed.filter((l) => l.endsWith(`| GET ${p}`)).length;
    for (const p of ['/from-the-cli-test', '/after-the-reconnect'])
      assert.ok(count(p) >= 1 && count(p) <= printedCount(p), `${p} shown once per print`);
    assert.equal(count('/while-control-was-away'), 1);
    assert.equal(listening(), firstTail, 'the first tail is not shown again after the reconnect');

    // The failure's own code is in the message, in `releases` and in `releases:info`, as the API records it.
    assertFailure(
      await cli(['deploy', '--image', `deployflow/${APP}:no-such-tag`], { cwd: checkout }),
      1,
      'DF_ERR_DEPLOY_FAILED',
      /Deployment [0-9a-f-]{36} failed: DF_ERR_RELEASE_FAILED: /,
    );
    const [failed] = (await s.owner.get(`/api/v1/apps/${APP}/deployments`)).body as { id: string; errorCode: string | null }[];
    assert.equal(failed!.errorCode, 'DF_ERR_RELEASE_FAILED');
    const listed = await cli(['releases'], { cwd: checkout });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout.split('\n')[0]!, / +CREATED +ERROR$/);
    assert.match(listed.stdout.split('\n')[1]!, new RegExp(`^${failed!.id.slice(0, 8)} +failed +image .* DF_ERR_RELEASE_FAILED$`));
    assert.doesNotMatch(listed.stdout.split('\n')[2]!, /DF_ERR_/, 'a deployment that did not fail shows no code');
    const info = await cli(['releases:info', failed!.id.slice(0, 8)], { cwd: checkout });
    assert.match(info.stdout, /^Error code: +DF_ERR_RELEASE_FAILED$/m);
  });

  it('cycle 6: apps:destroy only with --confirm; the remote goes with the app', async () => {
    assertFailure(await cli(['apps:destroy', APP], { cwd: checkout }), 2, 'DF_ERR_VALIDATION', /--confirm cli-shop/);
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}`)).status, 200);
    const destroyed = await json(['apps:destroy', APP, '--confirm', APP]);
    assert.deepEqual(destroyed.value, { name: APP, destroyed: true });
    assert.equal((await s.owner.get(`/api/v1/apps/${APP}`)).status, 404);
    assert.equal((await s.route(APP)) ?? null, null, 'no route left');
    assert.notEqual((await g(['remote', 'get-url', 'deployflow'])).code, 0, 'the remote went with it');
    assertFailure(await cli(['apps:info', '-a', APP]), 4, 'DF_ERR_APP_NOT_FOUND');
  });

  it('logout revokes the token it stored', async () => {
    const tokensBefore = (await s.owner.get('/api/v1/tokens')).body.length;
    assert.equal((await cli(['logout'])).code, 0);
    assert.equal((await s.owner.get('/api/v1/tokens')).body.length, tokensBefore - 1);
    assertFailure(await cli(['whoami']), 3, 'DF_ERR_UNAUTHENTICATED');
  });
});
