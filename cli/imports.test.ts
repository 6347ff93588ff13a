// The client is meant to be published on its own and to start fast: it may import Node's own
// modules, its own files, socket.io-client (loaded only to follow a stream) and the few small
// libraries below — nothing of control, the services or their heavy dependencies (express,
// dockerode, pino…).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

// Small, well-kept terminal libraries (see the README's CLI section): the nearest command for a typo,
// display widths for aligned tables, the spinner.
const ALLOWED_PACKAGES = new Set(['socket.io-client', 'fastest-levenshtein', 'string-width', 'yocto-spinner']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sources(file);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [file] : [];
  });
}

void test('cli/ imports only node:*, its own files and the allowed packages', () => {
  const root = import.meta.dirname;
  const files = sources(root);
  assert.ok(files.length > 10, 'the scan finds the client');
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import|require)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || ALLOWED_PACKAGES.has(spec)) continue;
      assert.ok(spec.startsWith('.'), `${path.relative(root, file)} imports the package ${spec}`);
      const target = path.resolve(path.dirname(file), spec);
      assert.ok(target.startsWith(root + path.sep), `${path.relative(root, file)} imports ${spec}, outside cli/`);
    }
  }
});
