// `deployflow doctor` for real, as a user runs it: on this machine (Docker and a Redis answer,
// the ports are free, the domain resolves nowhere) and on one where Docker is not installed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './support/ports.js';
import { startRedis, type TestRedis } from './support/redis.js';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'deployflow');

function doctor(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  // Node itself, not the #! line: the second run's PATH holds no program at all.
  const child = spawn(process.execPath, [BIN, 'doctor'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, lines: out.trim().split('\n') })));
}

describe('deployflow doctor', () => {
  let redis: TestRedis;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    redis = await startRedis();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-doctor-'));
    const ports: Record<string, string> = {};
    for (const v of ['CONTROL_PORT', 'GATEWAY_HTTP_PORT', 'GATEWAY_HTTPS_PORT', 'DNS_PORT', 'GIT_HTTP_PORT', 'GIT_SSH_PORT'])
      ports[v] = String(await freePort());
    env = {
      PATH: process.env.PATH ?? '',
      HOME: os.tmpdir(),
      DEPLOYFLOW_DATA_DIR: dataDir,
      DEPLOYFLOW_BIND: '127.0.0.1',
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'doctor.invalid',
      ...ports,
    };
  });
  after(async () => {
    await redis.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('checks this machine: one line per check, and a failure makes the exit non-zero', async () => {
    const { code, lines } = await doctor(env);
    assert.equal(code, 1, lines.join('\n'));
    assert.match(lines[0]!, /^FAIL {2}names {7}doctor\.invalid does not resolve on this machine — fix: run `make up`/);
    for (const v of ['CONTROL_PORT', 'GATEWAY_HTTP_PORT', 'GIT_SSH_PORT'])
      assert.ok(
        lines.some((l) => l.startsWith(`OK    port ${env[v]}`) && l.endsWith(': free')),
        v,
      );
    assert.ok(
      lines.some((l) => /^OK {4}docker {6}Docker \S+ answers \(API [0-9.]+\)$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.includes(`OK    redis       Redis answers at ${redis.url}`));
    assert.ok(lines.some((l) => /^(OK|FAIL) {2,4}disk {8}[0-9.]+ GiB free of [0-9.]+ GiB for /.test(l)));
    assert.ok(lines.some((l) => l.startsWith('WARN  local CA    not made yet')));
    assert.equal(lines.at(-1), `deployflow doctor: ${lines.filter((l) => l.startsWith('FAIL')).length} check(s) failed`);
  });

  it('names the package on a machine without Docker', async () => {
    const { code, lines } = await doctor({ ...env, PATH: '/nonexistent', DOCKER_HOST: `unix://${path.join(dataDir, 'no-docker.sock')}` });
    assert.equal(code, 1);
    assert.ok(
      lines.includes('FAIL  docker      Docker is not installed — fix: apt-get install docker.io (`make up` installs it)'),
      lines.join('\n'),
    );
  });
});
