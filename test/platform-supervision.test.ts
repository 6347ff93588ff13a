// `deployflow up` as supervised processes, for real: the gateway keeps serving while control is
// killed (SIGKILL) and comes back by itself; a killed gateway comes back on its port; the names
// the banner prints resolve through the hosts file up keeps (checked in a private mount namespace
// where a temporary file stands for /etc/hosts, so the machine's own resolver is never touched);
// `deployflow down` stops everything `make up` started, the Redis of scripts/start-redis.sh too,
// and what a supervisor killed outright left behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createRoutePublisher } from '../common/routes/index.js';
import { request, startUpstream, until, type Upstream } from '../gateway/testing/harness.js';
import { isAlive, readRecord } from '../supervisor/run-dir.js';
import { freePort } from './support/ports.js';
import { requireProgram } from './support/programs.js';
import { startRedis, type TestRedis } from './support/redis.js';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'deployflow');
const HOSTS = '127.0.0.1 localhost\n# a line of the machine\n';

const children = new Set<ChildProcess>();

interface Proc {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function run(program: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out, exit };
}

async function waitForBanner(proc: Proc): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!proc.output().includes('DeployFlow is running')) {
    if (proc.child.exitCode !== null) throw new Error(`deployflow up exited with ${proc.child.exitCode}:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`no banner; deployflow up printed:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function bannerPort(proc: Proc, service: string): number {
  const m = new RegExp(`\\n  ${service} +[a-z]+://127\\.0\\.0\\.1:(\\d+)`).exec(proc.output());
  assert.ok(m, `the banner names ${service}:\n${proc.output()}`);
  return Number(m[1]);
}

function recordedPid(dataDir: string, role: string): number | null {
  return readRecord(path.join(dataDir, 'run'), role)?.pid ?? null;
}

/** An HTTP GET from a process whose /etc/hosts is `hostsFile` (a private mount namespace): what a browser on the machine gets. */
function fetchAsTheMachine(hostsFile: string, url: string): Promise<string> {
  const script = `
    const { spawnSync } = require('node:child_process');
    const bound = spawnSync('mount', ['--bind', process.argv[1], '/etc/hosts'], { stdio: 'inherit' });
    if (bound.status !== 0) process.exit(3);
    fetch(process.argv[2]).then(async (r) => console.log(r.status, await r.text()), (e) => console.log('error', e.cause?.code ?? e.message));`;
  requireProgram('mount');
  const proc = run(requireProgram('unshare'), ['--mount', '--propagation', 'private', process.execPath, '-e', script, hostsFile, url], {});
  return proc.exit.then((code) => (code === 0 ? proc.output().trim() : `exit ${code}: ${proc.output()}`));
}

describe('deployflow up, supervised', () => {
  let redis: TestRedis;
  let dataDir: string;
  let hostsFile: string;
  let upstream: Upstream;
  let env: Record<string, string>;

  before(async () => {
    redis = await startRedis();
    upstream = await startUpstream('app');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-supervised-'));
    hostsFile = path.join(dataDir, 'hosts');
    fs.writeFileSync(hostsFile, HOSTS);
    env = {
      DEPLOYFLOW_DATA_DIR: path.join(dataDir, 'data'),
      DEPLOYFLOW_BIND: '127.0.0.1',
      REDIS_URL: redis.url,
      DEPLOYFLOW_HOSTS_FILE: hostsFile,
      // Every port is the kernel's pick; the supervisor pins each one for that process's restarts.
      CONTROL_PORT: '0',
      GATEWAY_HTTP_PORT: '0',
      GATEWAY_HTTPS_PORT: '0',
      DNS_PORT: '0',
      GIT_HTTP_PORT: '0',
      GIT_SSH_PORT: '0',
      DEPLOYFLOW_LOG_LEVEL: 'warn',
      GATEWAY_ACCESS_LOG: 'off',
    };
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await upstream.close();
    await redis.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the gateway serving while control is killed, and brings back whatever dies', async () => {
    const up = run(BIN, ['up'], env);
    await waitForBanner(up);
    const gatewayPort = bannerPort(up, 'gateway');
    const controlPort = bannerPort(up, 'control');
    assert.match(up.output(), new RegExp(`Apps answer at http://<app>\\.paas\\.local:${gatewayPort}`));

    const client = new Redis(redis.url);
    await createRoutePublisher(client).setAppRoutes('web', ['web.paas.local'], [{ host: '127.0.0.1', port: upstream.port }]);
    client.disconnect();
    await until(async () => (await request(gatewayPort, 'web.paas.local')).status === 200, 'the route', 10_000);

    // The names the banner prints resolve on this machine as printed, through the hosts file.
    await until(() => fs.readFileSync(hostsFile, 'utf8').includes('127.0.0.1\tweb.paas.local\n'), 'the app name in the hosts file', 10_000);
    assert.match(await fetchAsTheMachine(hostsFile, `http://web.paas.local:${gatewayPort}/hello`), /^200 app GET \/hello$/);
    assert.match(
      await fetchAsTheMachine(hostsFile, `http://paas.local:${gatewayPort}/api/v1/openapi.json`),
      /^200 \{/,
      'the dashboard URL reaches control',
    );

    let stop = false;
    const results: string[] = [];
    const load = [0, 1, 2, 3].map(async () => {
      while (!stop) {
        const r = await request(gatewayPort, 'web.paas.local').catch((err: Error) => ({ status: 0, body: err.message }));
        results.push(r.status === 200 ? 'ok' : `${r.status} ${r.body}`);
      }
    });
    try {
      await until(() => results.length > 100, 'load before the kill', 20_000);
      const controlPid = recordedPid(env.DEPLOYFLOW_DATA_DIR!, 'control')!;
      process.kill(controlPid, 'SIGKILL');
      const atKill = results.length;
      await until(async () => (await fetch(`http://127.0.0.1:${controlPort}/health`).catch(() => null)) === null, 'control down', 10_000);
      await until(() => results.length > atKill + 200, 'load while control is away', 20_000);
      // Control comes back by itself, on the port it had.
      await until(
        async () => {
          const pid = recordedPid(env.DEPLOYFLOW_DATA_DIR!, 'control');
          if (!pid || pid === controlPid) return false;
          return (await fetch(`http://127.0.0.1:${controlPort}/health`).catch(() => null))?.status === 200;
        },
        'control back by itself',
        90_000,
      );
      const atBack = results.length;
      await until(() => results.length > atBack + 100, 'load after control is back', 20_000);
    } finally {
      stop = true;
      await Promise.all(load);
    }
    assert.deepEqual(
      results.filter((r) => r !== 'ok'),
      [],
      'no request failed while control was killed and restarted',
    );
    assert.match(up.output(), /control was killed by SIGKILL; restarting it/);
    assert.match(up.output(), /control is back \(pid \d+\)/);

    // The gateway itself dies: it is restarted on the same port and serves the table again.
    const gatewayPid = recordedPid(env.DEPLOYFLOW_DATA_DIR!, 'gateway')!;
    process.kill(gatewayPid, 'SIGKILL');
    await until(
      async () => {
        const pid = recordedPid(env.DEPLOYFLOW_DATA_DIR!, 'gateway');
        return (
          pid !== null && pid !== gatewayPid && (await request(gatewayPort, 'web.paas.local').catch(() => ({ status: 0 }))).status === 200
        );
      },
      'the gateway back on its port',
      90_000,
    );
    assert.match(up.output(), /gateway was killed by SIGKILL; restarting it/);

    // SIGTERM stops every process and takes the names out of the hosts file.
    const pids = ['control', 'gateway', 'dns'].map((role) => recordedPid(env.DEPLOYFLOW_DATA_DIR!, role)!);
    up.child.kill('SIGTERM');
    assert.equal(await up.exit, 0);
    assert.deepEqual(pids.filter(isAlive), [], 'no supervised process outlives the supervisor');
    assert.equal(fs.readFileSync(hostsFile, 'utf8'), HOSTS);
  });

  it('`deployflow down` stops what make up started, the Redis of start-redis.sh too, and says so when nothing runs', async () => {
    const redisPort = await freePort();
    const redisDir = path.join(dataDir, 'redis');
    const ownEnv = {
      ...env,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DEPLOYFLOW_REDIS_PORT: String(redisPort),
      DEPLOYFLOW_REDIS_DIR: redisDir,
    };
    const started = run(requireProgram('bash'), [path.join(ROOT, 'scripts', 'start-redis.sh')], ownEnv);
    assert.equal(await started.exit, 0, started.output());
    const redisPid = recordedPid(env.DEPLOYFLOW_DATA_DIR!, 'redis');
    assert.ok(redisPid && isAlive(redisPid), 'start-redis.sh recorded the Redis it started');

    const up = run(BIN, ['up'], ownEnv);
    await waitForBanner(up);
    const second = run(BIN, ['up'], ownEnv);
    assert.equal(await second.exit, 1, 'a second up on the same data dir is refused');
    assert.match(second.output(), /already running \(pid \d+\).*deployflow down/);
    const pids = ['control', 'gateway', 'dns'].map((role) => recordedPid(env.DEPLOYFLOW_DATA_DIR!, role)!);
    assert.match(fs.readFileSync(hostsFile, 'utf8'), /\tpaas\.local\n/);

    const down = run(BIN, ['down'], { DEPLOYFLOW_DATA_DIR: env.DEPLOYFLOW_DATA_DIR! });
    assert.equal(await down.exit, 0, down.output());
    assert.match(down.output(), /stopped the platform \(supervisor pid \d+ and its processes\), Redis \(pid \d+\)/);
    assert.match(down.output(), /Apps keep running/);
    assert.equal(await up.exit, 0, 'the supervisor stopped cleanly');
    assert.deepEqual([...pids, redisPid].filter(isAlive), [], 'every process is gone, Redis too');
    assert.equal(fs.readFileSync(hostsFile, 'utf8'), HOSTS, 'the hosts file is as it was');

    const again = run(BIN, ['down'], { DEPLOYFLOW_DATA_DIR: env.DEPLOYFLOW_DATA_DIR! });
    assert.equal(await again.exit, 0);
    assert.match(again.output(), /^deployflow: nothing to stop: DeployFlow is not running/);
  });

  it('a supervisor killed outright takes its processes along, and `down` clears the names it left', async () => {
    const up = run(BIN, ['up'], env);
    await waitForBanner(up);
    const pids = ['control', 'gateway', 'dns'].map((role) => recordedPid(env.DEPLOYFLOW_DATA_DIR!, role)!);
    up.child.kill('SIGKILL');
    await up.exit;
    // Nobody could restart them or stop them: they stop, freeing the ports for the next `up`.
    await until(() => pids.every((pid) => !isAlive(pid)), 'the processes of a killed supervisor to stop', 60_000);
    assert.match(fs.readFileSync(hostsFile, 'utf8'), /# BEGIN DeployFlow/, 'a killed supervisor could not clean up');
    const down = run(BIN, ['down'], { DEPLOYFLOW_DATA_DIR: env.DEPLOYFLOW_DATA_DIR! });
    assert.equal(await down.exit, 0, down.output());
    assert.ok(down.output().includes(`stopped the DeployFlow names in ${hostsFile}.`), down.output());
    assert.equal(fs.readFileSync(hostsFile, 'utf8'), HOSTS);
  });
});
