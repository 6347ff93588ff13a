// A clean machine passes `make test` only if scripts/prereqs.sh installs every program the tests
// spawn. This keeps the catalogue (test/support/programs.ts), the script and the tests in step:
// a test spawning a program the catalogue does not name, or a package the script does not
// install, fails here with the program and the package in one line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { findProgram, TEST_PROGRAMS } from './support/programs.js';

const root = path.resolve(import.meta.dirname, '..');

function testSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(test|fixtures)\.ts$|\/support\/.*\.ts$|\/testing\/.*\.ts$/.test(p)) out.push(p);
    }
  };
  for (const d of ['common', 'control', 'builder', 'gateway', 'dns', 'git', 'supervisor', 'doctor', 'test']) walk(path.join(root, d));
  return out;
}

void test('every program a test spawns is in the catalogue, and prereqs.sh installs its package', () => {
  const script = fs.readFileSync(path.join(root, 'scripts/prereqs.sh'), 'utf8');
  const spawned = new Set<string>();
  for (const file of testSources()) {
    const text = fs.readFileSync(file, 'utf8');
    // Calls, not methods: `turns.run('shop', …)` runs a task, not a program.
    for (const m of text.matchAll(/(?<!\.)\b(?:spawn|run|execFile|execFileSync|spawnSync|requireProgram)\(\s*'([a-z][a-z0-9-]*)'/g))
      spawned.add(m[1]!);
  }
  assert.ok(spawned.has('dig') && spawned.has('git'), 'the scan finds spawned programs');
  for (const program of spawned) {
    const pkg = TEST_PROGRAMS[program];
    assert.ok(pkg, `${program} is spawned by a test but not in test/support/programs.ts`);
  }
  for (const [program, pkg] of Object.entries(TEST_PROGRAMS)) {
    if (pkg === 'libc-bin') continue; // essential: on every Debian system
    if (pkg === 'nodejs') continue; // Node itself (with npm and npx) runs the tests and prereqs.sh
    assert.match(script, new RegExp(`\\b${pkg}\\b`), `${program}: scripts/prereqs.sh does not install ${pkg}`);
  }
});

void test('every program the tests need is installed (make test runs scripts/prereqs.sh first)', () => {
  const missing = Object.entries(TEST_PROGRAMS).filter(([program]) => findProgram(program) === null);
  assert.deepEqual(
    missing.map(([program, pkg]) => `${program} (apt-get install ${pkg})`),
    [],
  );
});
