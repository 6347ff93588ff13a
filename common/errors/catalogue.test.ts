// Every DF_ERR_* code in the source is in the catalogue: a code a component returns without an
// entry here is a code no user can look up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CLI_ERRORS, ERRORS, GATEWAY_ERRORS } from './catalogue.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['bin', 'builder', 'cli', 'common', 'control', 'dns', 'doctor', 'gateway', 'git', 'supervisor', 'web/src'];

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(file);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [file] : [];
  });
}

void test('every DF_ERR_ code in the source is in the catalogue', () => {
  const known = new Set([...Object.keys(ERRORS), ...Object.keys(GATEWAY_ERRORS), ...Object.keys(CLI_ERRORS)]);
  const missing: string[] = [];
  let seen = 0;
  for (const file of SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d)))) {
    for (const [code] of fs.readFileSync(file, 'utf8').matchAll(/\bDF_ERR_[A-Z0-9_]*[A-Z0-9]/g)) {
      seen++;
      if (!known.has(code)) missing.push(`${path.relative(ROOT, file)}: ${code}`);
    }
  }
  assert.ok(seen > 100, `the scan found the codes (${seen})`);
  assert.deepEqual(missing, []);
});

void test('a code means one thing: where two components return it, status and message agree', () => {
  for (const [code, entry] of Object.entries(GATEWAY_ERRORS)) {
    const api = (ERRORS as Record<string, { status: number; message: string }>)[code];
    if (api) assert.deepEqual(api, entry, code);
  }
});
