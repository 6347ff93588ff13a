// The commands test/cli.test.ts's cycle does not reach, through the real `bin/deployflow` against
// one platform (control with Redis and Docker, an in-process gateway and DNS server, and Pebble
// as the ACME CA): ps:scale N, ps:restart/stop/start, releases:info, deploy --image and
// --git-url/--ref, domains + certs:auto, routes, tokens (create, list, revoke: the revoked token
// then exits 3), keys and keys:add FILE, collaborators:add, the edge settings, login --token, and a
// wrong URL (a server that is not DeployFlow: exit 1, one line; no scheme: exit 2). Each with
// --json compared with the API's own object where the command has one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { startDns } from '../dns/index.js';
import { startGateway } from '../gateway/index.js';
import { invitationToken } from './support/control.js';
import { startPebble, type TestPebble } from './support/pebble.js';
import { freePort } from './support/ports.js';
import { run } from './git-fixtures.js';
import { answer, opsApp, startOpsStack, type OpsStack } from './ops-fixtures.js';
import { serveRepos } from './webhooks-fixtures.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');
const APP = 'cli-more';
const DOMAIN = 'more.example.test';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
interface Status {
  state: string;
  replicas: { name: string; state: string; healthy?: boolean; hostPort: number | null; deploymentId: string }[];
  deployment: { id: string; image: string | null } | null;
}

describe('deployflow client: the rest of the commands', () => {
  let s: OpsStack;
  let pebble: TestPebble;
  let gateway: RunningService;
  let dns: RunningService;
  let repos: http.Server;
  let notDeployFlow: http.Server;
  let home: string;
  let token: string;

  function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const full: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: home, DEPLOYFLOW_URL: s.control.url, ...env };
      for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: home,
        env: full as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** `--json`, exit 0, the parsed answer. */
  async function json<T = unknown>(args: string[], env: Record<string, string | undefined> = {}): Promise<T> {
    const r = await cli([...args, '--json'], env);
    assert.equal(r.code, 0, `deployflow ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  function assertFailure(r: Run, exitCode: number, code: string, message?: RegExp): void {
    assert.equal(r.code, exitCode, `exit code (stderr: ${r.stderr})`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[lines.length - 1]!, new RegExp(`^deployflow: ${code}: `));
    if (message) assert.match(lines[lines.length - 1]!, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }

  const api = <T = any>(p: string): Promise<T> => s.owner.get(`/api/v1${p}`).then((r) => r.body as T); // eslint-disable-line @typescript-eslint/no-explicit-any

  before(async () => {
    const gatewayHttpPort = await freePort();
    const dnsPort = await freePort();
    // The CA validates on the gateway's HTTP port and asks our resolver where the domain is.
    pebble = await startPebble({ httpPort: gatewayHttpPort, dnsServer: `127.0.0.1:${dnsPort}` });
    s = await startOpsStack({
      GATEWAY_HTTP_PORT: String(gatewayHttpPort),
      GATEWAY_HTTPS_PORT: String(await freePort()),
      DNS_PORT: String(dnsPort),
      DEPLOYFLOW_ACME_DIRECTORY: pebble.directoryUrl,
      DEPLOYFLOW_ACME_CA_FILE: pebble.caFile,
      DEPLOYFLOW_ACME_EMAIL: 'ops@example.test',
    });
    gateway = await startGateway(s.control.config, createLogger('gateway', 'silent'));
    dns = await startDns(s.control.config, createLogger('dns', 'silent'));
    await s.deploy(APP, 'v1');
    repos = await serveRepos(path.dirname(s.repo.bare));
    notDeployFlow = http.createServer((req, res) => {
      res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html' });
      res.end('<html><body>It works!</body></html>');
    });
    await new Promise<void>((r) => notDeployFlow.listen(0, '127.0.0.1', r));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-cli-more-'));
  });
  after(async () => {
    await Promise.allSettled([gateway?.stop(), dns?.stop()]);
    repos?.closeAllConnections();
    repos?.close();
    notDeployFlow?.close();
    await s?.cleanup([APP]);
    await pebble?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('login --token checks the token, stores it and prints the user (--json: the API object)', async () => {
    token = ((await s.owner.post('/api/v1/tokens', { name: 'for login --token' })).body as { token: string }).token;
    assertFailure(await cli(['login', '--token', 'dfp_not-a-real-token']), 3, 'DF_ERR_INVALID_TOKEN');
    assert.equal(fs.existsSync(path.join(home, '.config', 'deployflow', 'credentials')), false, 'a refused token is not stored');
    const user = await json(['login', '--token', token]);
    assert.deepEqual(user, await api('/auth/me'));
    const stored = JSON.parse(fs.readFileSync(path.join(home, '.config', 'deployflow', 'credentials'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([stored.url, stored.token, stored.email], [s.control.url, token, s.owner.email]);
    const human = await cli(['login', '--token', token, '--url', `${s.control.url}/`]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, `Logged in to ${s.control.url} as ${s.owner.email}\n`);
  });

  it('a wrong URL: a server that is not DeployFlow exits 1, a URL without scheme exits 2, one line each', async () => {
    const other = `http://127.0.0.1:${(notDeployFlow.address() as AddressInfo).port}`;
    assertFailure(await cli(['apps'], { DEPLOYFLOW_URL: other }), 1, 'DF_ERR_UNAVAILABLE', /is it a DeployFlow platform\?/);
    assertFailure(await cli(['apps', '--json'], { DEPLOYFLOW_URL: other }), 1, 'DF_ERR_UNAVAILABLE', /is it a DeployFlow platform\?/);
    assertFailure(await cli(['login', '--token', token, '--url', other]), 1, 'DF_ERR_UNAVAILABLE', /is it a DeployFlow platform\?/);
    for (const url of ['paas.example.com', 'localhost:5000', 'ftp://paas.example.com']) {
      assertFailure(await cli(['apps'], { DEPLOYFLOW_URL: url }), 2, 'DF_ERR_VALIDATION', /https?:\/\//);
      assertFailure(await cli(['login', '--token', token, '--url', url, '--json']), 2, 'DF_ERR_VALIDATION', /https?:\/\//);
    }
  });

  it('tokens, tokens:create and tokens:revoke; the revoked token in DEPLOYFLOW_TOKEN exits 3', async () => {
    const created = await json<{ id: string; name: string; token: string }>(['tokens:create', 'ci']);
    assert.equal(created.name, 'ci');
    assert.match(created.token, /^dfp_/);
    const human = await cli(['tokens:create']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^dfp_\S+\n$/, 'only the token on stdout, for $(deployflow tokens:create)');
    assert.match(human.stderr, /shown only now/);
    const list = await json<{ id: string; name: string }[]>(['tokens']);
    assert.deepEqual(list, await api('/tokens'));
    assert.ok(list.some((t) => t.id === created.id && t.name === 'ci'));
    assert.ok(!JSON.stringify(list).includes(created.token), 'tokens never shows a token again');
    const table = (await cli(['tokens'])).stdout.split('\n');
    assert.match(table[0]!, /^ID +NAME +CREATED +LAST USED$/);

    assert.equal((await json<{ id: string; name: string }[]>(['apps'], { DEPLOYFLOW_TOKEN: created.token })).length, 1);
    assert.deepEqual(await json(['tokens:revoke', created.id]), { id: created.id, revoked: true });
    assert.ok(!(await api<{ id: string }[]>('/tokens')).some((t) => t.id === created.id));
    assertFailure(await cli(['apps'], { DEPLOYFLOW_TOKEN: created.token }), 3, 'DF_ERR_INVALID_TOKEN');
    assertFailure(await cli(['apps', '--json'], { DEPLOYFLOW_TOKEN: created.token }), 3, 'DF_ERR_INVALID_TOKEN');
    assertFailure(await cli(['tokens:revoke', created.id]), 4, 'DF_ERR_NOT_FOUND');
  });

  it('keys and keys:add FILE (and the default key in ~/.ssh)', async () => {
    const dir = path.join(home, '.ssh');
    fs.mkdirSync(dir, { mode: 0o700 });
    for (const [file, type] of [
      ['work.pub', 'ed25519'],
      ['id_ecdsa.pub', 'ecdsa'],
    ] as const) {
      const r = await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `me@${file}`, '-f', path.join(dir, file.replace(/\.pub$/, ''))]);
      assert.equal(r.code, 0, r.stderr);
    }
    const added = await json<{ id: string; fingerprint: string; name: string }>(['keys:add', path.join(dir, 'work.pub')]);
    const keys = await json<{ id: string }[]>(['keys']);
    assert.deepEqual(keys, await api('/keys'));
    assert.deepEqual(keys, [added]);
    assert.match(added.fingerprint, /^SHA256:/);
    const byDefault = await cli(['keys:add']);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.match(byDefault.stderr, /Adding .*\.ssh\/id_ecdsa\.pub\.\.\. done/);
    assert.match(byDefault.stdout, /^SHA256:\S+ /);
    assert.equal((await api<unknown[]>('/keys')).length, 2);
    assertFailure(await cli(['keys:add', path.join(dir, 'missing.pub')]), 4, 'DF_ERR_NOT_FOUND', /missing\.pub/);
  });

  it('ps:scale N (a plain number), ps:restart, ps:stop and ps:start answer the app status', async () => {
    const status = (): Promise<Status> => api<Status>(`/apps/${APP}/status`);
    const scaled = await json<Status>(['ps:scale', '2', '-a', APP]);
    assert.equal(scaled.replicas.filter((r) => r.healthy).length, 2);
    assert.equal((await api<{ replicas: number }>(`/apps/${APP}`)).replicas, 2);
    assert.deepEqual(scaled, await status());

    const before = new Set(scaled.replicas.map((r) => r.name));
    const restarted = await json<Status>(['ps:restart', '-a', APP]);
    assert.equal(restarted.replicas.length, 2);
    assert.ok(
      restarted.replicas.every((r) => r.healthy && !before.has(r.name)),
      'every replica replaced by a healthy new one',
    );
    assert.deepEqual(restarted, await status());

    const stopped = await cli(['ps:stop', '-a', APP]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /Stopping cli-more\.\.\. done/);
    assert.match(stopped.stdout, /^cli-more: stopped/);
    const stoppedStatus = await status();
    assert.equal(stoppedStatus.state, 'stopped');
    assert.ok(
      stoppedStatus.replicas.every((r) => r.state !== 'running' && r.hostPort === null),
      'no container runs',
    );
    assert.deepEqual((await s.route(APP))?.upstreams, []);

    const started = await json<Status>(['ps:start', '-a', APP]);
    assert.equal(started.state, 'running');
    assert.equal(started.replicas.filter((r) => r.healthy).length, 2);
    assert.deepEqual(started, await status());
    const upstreams = (await s.route(APP))!.upstreams;
    assert.equal(upstreams.length, 2);
    assert.match(await answer(upstreams[0]!.port), /^v1 /);
    assertFailure(await cli(['ps:scale', 'web=x', '-a', APP]), 2, 'DF_ERR_VALIDATION', /web=N or N/);
  });

  it('releases:info by a short id; deploy --image; deploy --git-url --ref', async () => {
    const [current] = await api<{ id: string; image: string }[]>(`/apps/${APP}/deployments`);
    const info = await json(['releases:info', current!.id.slice(0, 8), '-a', APP]);
    assert.deepEqual(info, await api(`/deployments/${current!.id}`));
    const human = await cli(['releases:info', current!.id, '-a', APP]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, new RegExp(`^ID: +${current!.id}\\nApp: +${APP}\\nStatus: +running\\n`));
    assertFailure(await cli(['releases:info', 'ffffffff', '-a', APP]), 4, 'DF_ERR_NOT_FOUND');
    assertFailure(await cli(['releases:info', 'not-an-id!', '-a', APP]), 2, 'DF_ERR_VALIDATION');

    const byImage = await cli(['deploy', '--image', current!.image, '-a', APP, '--json']);
    assert.equal(byImage.code, 0, byImage.stderr);
    const imaged = JSON.parse(byImage.stdout) as { id: string; status: string; source: string; image: string };
    assert.deepEqual(imaged, await api(`/deployments/${imaged.id}`));
    assert.deepEqual([imaged.status, imaged.image], ['running', current!.image]);
    assert.match(byImage.stderr, /Deploying cli-more \(deployment [0-9a-f]{8}\)/);

    // A repository on loopback: refused (a private address) until an admin allows private URLs.
    const commit = await s.repo.commit(opsApp(s.base, 'from-url'));
    const branch = (await run('git', ['--git-dir', s.repo.bare, 'symbolic-ref', '--short', 'HEAD'])).stdout.trim();
    const url = `http://127.0.0.1:${(repos.address() as AddressInfo).port}/${path.basename(s.repo.bare)}`;
    assertFailure(await cli(['deploy', '--git-url', url, '--ref', branch, '-a', APP]), 1, 'DF_ERR_CLONE_URL_PRIVATE');
    assert.equal((await s.admin.put('/api/v1/settings/webhooks', { allowPrivateUrls: true })).status, 200);
    const byUrl = await cli(['deploy', '--git-url', url, '--ref', branch, '-a', APP]);
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.match(byUrl.stdout, new RegExp(`-----> Cloning ${url.replaceAll('.', '\\.')} \\(${branch}\\)`));
    assert.match(byUrl.stdout, /is live at http:\/\/cli-more\./);
    const [latest] = await api<{ source: string; commit: string; status: string }[]>(`/apps/${APP}/deployments`);
    assert.deepEqual([latest!.source, latest!.commit, latest!.status], ['url', commit, 'running']);
    assert.match(await answer((await s.route(APP))!.upstreams[0]!.port), /^from-url /);
    assertFailure(await cli(['deploy', '--ref', branch, '-a', APP]), 2, 'DF_ERR_VALIDATION', /--ref needs --git-url/);
    assertFailure(await cli(['deploy', '--git-url', 'file:///etc/passwd', '-a', APP]), 1, 'DF_ERR_CLONE_URL_INVALID');
  });

  it('domains:add, certs:auto issues through the ACME CA, routes shows the table', async () => {
    const added = await json<{ domains: string[] }>(['domains:add', DOMAIN, '-a', APP]);
    assert.deepEqual(added, await api(`/apps/${APP}`));
    assert.deepEqual(added.domains, [DOMAIN]);
    assert.deepEqual(await json(['domains', '-a', APP]), [DOMAIN]);
    const cert = await json<{ domain: string; issuer: string }>(['certs:auto', DOMAIN, '-a', APP]);
    assert.equal(cert.domain, DOMAIN);
    assert.match(cert.issuer, /Pebble/);
    const human = await cli(['certs:auto', DOMAIN, '-a', APP]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^${DOMAIN.replaceAll('.', '\\.')}: issued by .*Pebble.*, valid until `));
    assertFailure(await cli(['certs:auto', 'other.example.test', '-a', APP]), 4, 'DF_ERR_NOT_FOUND');

    const table = await json<{ version: number; routes: Record<string, { app: string; tls: boolean }> }>(['routes']);
    assert.deepEqual(table, await api('/routes'));
    assert.equal(table.routes[`${APP}.paas.test`]?.app, APP);
    assert.equal(table.routes[DOMAIN]?.app, APP);
    const shown = (await cli(['routes'])).stdout.split('\n');
    assert.equal(shown[0], `Route table version ${table.version}`);
    assert.match(shown[1]!, /^HOST +APP +UPSTREAMS +TLS$/);
    const row = new RegExp(
      `^${DOMAIN.replaceAll('.', '\\.')} +${APP} +127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:\\d+ +${table.routes[DOMAIN]!.tls ? 'yes' : 'no'}$`,
    );
    assert.ok(
      shown.some((l) => row.test(l)),
      shown.join('\n'),
    );
  });

  it('collaborators:add invites by e-mail; collaborators lists who joined', async () => {
    const invited = await json<{ message: string; url: string }>(['collaborators:add', s.admin.email, '-a', APP]);
    assert.match(invited.url, /\/invite#token=/);
    assert.equal((await s.admin.post('/api/v1/invitations/accept', { token: invitationToken(invited.url) })).status, 200);
    const listed = await json<{ ownerId: string; collaboratorIds: string[] }>(['collaborators', '-a', APP]);
    const app = await api<{ ownerId: string; ownerKind: string; collaboratorIds: string[] }>(`/apps/${APP}`);
    assert.deepEqual(listed, { ownerId: app.ownerId, ownerKind: 'user', collaboratorIds: [s.admin.userId] });
    const table = (await cli(['collaborators', '-a', APP])).stdout;
    assert.match(table, new RegExp(`collaborator +${s.admin.userId} +${s.admin.email.replaceAll('.', '\\.')}`));
  });

  it('edge:sleep, edge:autoscale and edge:plugins show and set the settings', async () => {
    assert.deepEqual(await json(['edge:sleep', '900', '-a', APP]), { idleSeconds: 900 });
    assert.equal((await cli(['edge:sleep', '-a', APP])).stdout, `${APP}: sleeps after 900 s without a request, wakes on the next\n`);
    assert.deepEqual(await json(['edge:sleep', 'off', '-a', APP]), { idleSeconds: 0 });
    assert.deepEqual((await api<{ scaleToZero: unknown }>(`/apps/${APP}`)).scaleToZero, { idleSeconds: 0 });
    assertFailure(await cli(['edge:sleep', 'soon', '-a', APP]), 2, 'DF_ERR_VALIDATION');

    const autoscale = await json(['edge:autoscale', '--min', '1', '--max', '3', '--rps', '50', '-a', APP]);
    assert.deepEqual(autoscale, (await api<{ autoscale: unknown }>(`/apps/${APP}`)).autoscale);
    assert.deepEqual(autoscale, { minReplicas: 1, maxReplicas: 3, target: { rps: 50 } });
    assert.match((await cli(['edge:autoscale', '-a', APP])).stdout, /Min replicas: +1\nMax replicas: +3\nTarget: +50 rps per replica/);
    assert.equal(await json(['edge:autoscale', 'off', '-a', APP]), null);
    assertFailure(await cli(['edge:autoscale', '--min', '1', '-a', APP]), 2, 'DF_ERR_VALIDATION', /--max N/);

    const chain = [{ name: 'cors', config: { origins: ['https://example.com'] } }];
    const plugins = await json<{ name: string }[]>(['edge:plugins', '--set', JSON.stringify(chain), '-a', APP]);
    assert.deepEqual(plugins, (await api<{ plugins: unknown }>(`/apps/${APP}`)).plugins);
    assert.equal(plugins[0]!.name, 'cors');
    assert.match((await cli(['edge:plugins', '-a', APP])).stdout, /^# +PLUGIN +CONFIG\n1 +cors +\{"origins":\["https:\/\/example\.com"\]/);
    assertFailure(await cli(['edge:plugins', '--set', '[{"name":"no-such-plugin"}]', '-a', APP]), 1, 'DF_ERR_VALIDATION');
    assertFailure(await cli(['edge:plugins', '--set', 'not json', '-a', APP]), 2, 'DF_ERR_VALIDATION');
    assert.deepEqual(await json(['edge:plugins', '--set', '[]', '-a', APP]), []);
  });
});
