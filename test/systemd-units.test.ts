// The systemd units in deploy/systemd, checked by systemd's own parser (systemd-analyze verify,
// which needs no running systemd) and for what the operations guide promises: every service
// restarts on failure, each split unit runs one service, the one-command unit runs `up` and lets
// the supervisor stop its processes in order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SERVICE_NAMES } from '../bin/services.js';
import { requireProgram } from './support/programs.js';

const ROOT = path.join(import.meta.dirname, '..');
const UNITS = path.join(ROOT, 'deploy', 'systemd');
/** Where the units expect the repository (docs/operations.md installs it there). */
const INSTALLED_AT = '/opt/deployflow';

function setting(unit: string, key: string): string[] {
  return [...fs.readFileSync(path.join(UNITS, unit), 'utf8').matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
}

void test('each unit runs what it names and restarts on failure', () => {
  assert.deepEqual(setting('deployflow.service', 'ExecStart'), [`${INSTALLED_AT}/bin/deployflow up`]);
  assert.deepEqual(
    setting('deployflow.service', 'KillMode'),
    ['mixed'],
    'SIGTERM goes to the supervisor, which stops its processes in order',
  );
  assert.deepEqual(setting('deployflow.service', 'Restart'), ['on-failure']);
  for (const service of SERVICE_NAMES) {
    const unit = `deployflow-${service}.service`;
    assert.deepEqual(setting(unit, 'ExecStart'), [`${INSTALLED_AT}/bin/deployflow ${service}`], unit);
    assert.deepEqual(setting(unit, 'Restart'), ['on-failure'], unit);
    assert.deepEqual(setting(unit, 'PartOf'), ['deployflow.target'], unit);
  }
  const wanted = setting('deployflow.target', 'Wants')[0]!.split(' ').sort();
  assert.deepEqual(wanted, SERVICE_NAMES.map((s) => `deployflow-${s}.service`).sort());
});

void test('systemd-analyze verify accepts every unit without a warning', async () => {
  // The units point at the install location; here they are verified against this checkout.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-units-'));
  try {
    const files = fs.readdirSync(UNITS).map((name) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, fs.readFileSync(path.join(UNITS, name), 'utf8').replaceAll(INSTALLED_AT, ROOT));
      return file;
    });
    const child = spawn(requireProgram('systemd-analyze'), ['verify', '--man=no', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, out);
    assert.equal(out.trim(), '', 'no warning about any unit');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
