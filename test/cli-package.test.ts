// The package `npm pack` makes is what a packaged install runs: its prepack script builds dist/,
// the tarball carries bin/deployflow and the compiled JavaScript (no TypeScript sources), and the
// client runs from it — from dist/, since there is no source for tsx to fall back to.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './support/ports.js';
import { run as runProgram } from './git-fixtures.js';

const ROOT = path.join(import.meta.dirname, '..');

/** A program with a HOME of its own and nothing but PATH from this environment (plus `env`). */
const run = (file: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  runProgram(file, args, { cwd, env: { PATH: process.env.PATH!, HOME: os.tmpdir(), ...env } });

describe('npm pack', () => {
  let dir: string;
  let files: string[];
  let pkg: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployflow-pack-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], ROOT, { npm_config_cache: path.join(dir, 'cache') });
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    files = info!.files.map((f) => f.path);
    assert.equal((await run('tar', ['-xzf', path.join(dir, info!.filename), '-C', dir], dir)).code, 0);
    pkg = path.join(dir, 'package');
    // What `npm install` would put beside it: the dependencies (here, the checkout's own).
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('carries bin/deployflow and the compiled client and services, no TypeScript', () => {
    for (const f of [
      'bin/deployflow',
      'dist/manifest.json',
      'dist/cli/main.js',
      'dist/cli/commands/apps.js',
      'dist/bin/main.js',
      'package.json',
    ])
      assert.ok(files.includes(f), `${f} is in the package`);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.ts')),
      [],
    );
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('cli/')));
  });

  it('runs the client from dist/ in the unpacked package', async () => {
    const bin = path.join(pkg, 'bin', 'deployflow');
    const version = await run(process.execPath, [bin, '--version'], dir);
    assert.deepEqual([version.code, version.stdout], [0, 'deployflow 0.1.0\n']);
    const help = await run(process.execPath, [bin, 'apps:create', '--help'], dir);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /deployflow apps:create shop/);
    const unreachable = await run(process.execPath, [bin, 'apps'], dir, {
      DEPLOYFLOW_URL: `http://127.0.0.1:${await freePort()}`,
      DEPLOYFLOW_TOKEN: 'dfp_x',
    });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^deployflow: DF_ERR_UNAVAILABLE: Cannot reach DeployFlow at .*ECONNREFUSED/);
    // With the sources forced, it fails: there are none, so the answers above came from dist/.
    const fromSource = await run(process.execPath, [bin, '--version'], dir, { DEPLOYFLOW_FROM_SOURCE: '1' });
    assert.notEqual(fromSource.code, 0);
  });
});
