// The real CLI as a user runs it: `bin/deployflow up` in its own process. A restart keeps every
// record; generated secrets are kept mode 0600; a bad variable stops the start with one line.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, registerUser } from './support/control.js';
import { freePort } from './support/ports.js';
import { startRedis, type TestRedis } from './support/redis.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');

const children = new Set<ChildProcess>();

function run(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Whatever an assertion does, no platform process may outlive the test file.
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

/** Waits for the banner; a process that exits or stays silent fails with everything it printed. */
async function waitForBanner(proc: { child: ChildProcess; output: () => string }, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.output().includes('DeployFlow is running')) return;
    if (proc.child.exitCode !== null) throw new Error(`${what}: exited with ${proc.child.exitCode}; it printed:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; the process printed:\n${proc.output()}`);
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('deployflow up', () => {
  let redis: TestRedis;
  let dataDir: string;
  let env: Record<string, string>;
  let base: string;

  before(async () => {
    redis = await startRedis();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-up-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      DEPLOYFLOW_DATA_DIR: dataDir,
      DEPLOYFLOW_BIND: '127.0.0.1',
      CONTROL_PORT: String(port),
      REDIS_URL: redis.url,
      // Only control's address must survive the restart; the others are the kernel's pick each
      // time (a port probed free once may be taken by the restart: DNS wants UDP too).
      GATEWAY_HTTP_PORT: '0',
      GATEWAY_HTTPS_PORT: '0',
      DNS_PORT: '0',
      GIT_HTTP_PORT: '0',
      GIT_SSH_PORT: '0',
      DEPLOYFLOW_LOG_LEVEL: 'warn',
    };
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await redis.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops a bad configuration with one line naming the variable', async () => {
    const { child, output } = run(['up'], { ...env, CONTROL_PORT: 'eighty' });
    assert.equal(await new Promise((r) => child.once('exit', r)), 2);
    assert.equal(output().trim(), 'deployflow: DF_ERR_CONFIG: CONTROL_PORT must be a port number 0-65535, got "eighty"');
  });

  it('keeps every record across a restart', async () => {
    let proc = run(['up'], env);
    // The banner comes once every service (control, git, gateway, dns) is up.
    await waitForBanner(proc, 'the start banner');
    assert.match(proc.output(), /control +http:\/\/127\.0\.0\.1:/);
    for (const service of ['git', 'gateway', 'dns']) assert.match(proc.output(), new RegExp(`\\n  ${service} `));
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const user = await registerUser(base);
    await user.post('/api/v1/apps', { name: 'durable' });
    await user.patch('/api/v1/apps/durable', { replicas: 2 });
    await user.put('/api/v1/apps/durable/env', { vars: { DATABASE_URL: 'postgres://u:p@db/x' } });
    const token = (await user.post('/api/v1/tokens', { name: 'laptop' })).body.token as string;
    assert.equal(await stop(proc.child), 0);

    proc = run(['up'], env);
    await waitForBanner(proc, 'the banner after restart');
    try {
      const viaToken = new Client(base, token);
      assert.equal((await viaToken.get('/api/v1/auth/me')).body.email, user.email);
      assert.equal((await viaToken.get('/api/v1/apps/durable')).body.replicas, 2);
      assert.equal((await viaToken.get('/api/v1/apps/durable/env')).body.vars.DATABASE_URL, 'postgres://u:p@db/x');
      assert.equal((await user.get('/api/v1/auth/me')).status, 200, 'access tokens survive: the JWT key was kept');
      const login = await new Client(base).post('/api/v1/auth/login', { email: user.email, password: 'correct horse battery' });
      assert.equal(login.status, 200);
      const audit = (await viaToken.get('/api/v1/audit')).body as { action: string }[];
      assert.ok(audit.some((e) => e.action === 'app.create'));
    } finally {
      await stop(proc.child);
    }
  });

  it('generated its secrets once, mode 0600, in a 0700 folder', () => {
    const dir = path.join(dataDir, 'secrets');
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    const files = fs.readdirSync(dir);
    assert.ok(files.includes('jwt.key') && files.includes('env-encryption.key'));
    for (const f of files) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
  });
});
