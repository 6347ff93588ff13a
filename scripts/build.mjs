// The one build step: every TypeScript source of the platform and the CLI (not tests, benches or the
// dashboard, which Vite builds) is transpiled file by file to dist/, keeping the folder layout, so
// `bin/deployflow` starts without compiling at run time and lazy imports stay lazy. Types are
// checked by `make typecheck`, not here. dist/manifest.json lists the sources, which lets
// bin/deployflow tell whether dist/ is up to date (else it runs the sources through tsx).
import fs from 'node:fs';
import path from 'node:path';
import { stdout } from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = path.join(root, 'dist');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'data', 'web', 'test', 'bench', 'scripts', '.git', '.scratch', '.bench-tmp']);

function sources(dir, rel = '') {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) out.push(...sources(path.join(dir, entry.name), relPath));
    } else if (rel && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(relPath);
    }
  }
  return out;
}

const files = sources(root).sort();
const started = Date.now();
fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: files,
  outdir,
  outbase: root,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Written last: a build that failed half-way leaves no manifest, so the sources run instead.
fs.writeFileSync(path.join(outdir, 'manifest.json'), `${JSON.stringify({ builtAt: Date.now(), sources: files }, null, 1)}\n`);
stdout.write(`build: ${files.length} files to dist/ in ${Date.now() - started} ms\n`);
