// Build contexts from a real bare git repository (real git client) and from a plain directory;
// no Docker needed: the tar stream is read back and inspected.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { prepareContext } from '../builder/context/context.js';
import { isDeployFlowError } from '../common/errors/catalogue.js';
import { detectedApp, makeRepo, writeTree, type TestRepo } from './builder-fixtures.js';

const images = { node: 'base-node', static: 'base-static', python: 'base-python', go: 'base-go' };

async function readTar(stream: Readable): Promise<Map<string, { type: string; body: string; linkname?: string | null }>> {
  const entries = new Map<string, { type: string; body: string; linkname?: string | null }>();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    body.on('end', () => {
      entries.set(header.name, { type: header.type, body: Buffer.concat(chunks).toString(), linkname: header.linkname });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.once('finish', resolve);
    extract.once('error', reject);
    stream.once('error', reject);
    stream.pipe(extract as unknown as NodeJS.WritableStream);
  });
  return entries;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isDeployFlowError(err) && err.code === code);
}

describe('build context', () => {
  let repo: TestRepo;
  let dir: string;
  before(async () => {
    repo = await makeRepo();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'df-builder-dir-'));
  });
  after(async () => {
    await repo.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('from a commit: the tree plus a generated Dockerfile; inside-links kept; .deployflow/ of the repo dropped', async () => {
    const sha = await repo.commit({
      ...detectedApp('v1'),
      'lib/a.js': 'x',
      'link.js': { symlink: 'lib/a.js' },
      '.deployflow/Dockerfile': 'FROM evil',
    });
    const ctx = await prepareContext({ kind: 'git', repo: repo.bare, commit: sha }, images, 7000);
    assert.equal(ctx.detection.kind, 'node');
    assert.equal(ctx.port, 7000);
    const entries = await readTar(ctx.open());
    assert.equal(entries.get('server.js')?.type, 'file');
    assert.equal(entries.get('lib/a.js')?.body, 'x');
    assert.equal(entries.get('link.js')?.linkname, 'lib/a.js');
    assert.match(entries.get('.deployflow/Dockerfile')?.body ?? '', /^FROM base-node\n/);
    assert.equal([...entries.keys()].filter((n) => n === '.deployflow/Dockerfile').length, 1);
  });

  it('refuses symlink escapes, absolute links, a bad SHA and an unknown commit', async () => {
    const escape = await repo.commit({ ...detectedApp('v1'), evil: { symlink: '../../../etc/passwd' } });
    await rejectsWith(prepareContext({ kind: 'git', repo: repo.bare, commit: escape }, images), 'DF_ERR_UNSAFE_ARCHIVE');
    const absolute = await repo.commit({ ...detectedApp('v1'), 'sub/evil': { symlink: '/etc/shadow' } });
    await rejectsWith(prepareContext({ kind: 'git', repo: repo.bare, commit: absolute }, images), 'DF_ERR_UNSAFE_ARCHIVE');
    const tricky = await repo.commit({ ...detectedApp('v1'), d: { symlink: '.' }, l: { symlink: 'd/..' } });
    await rejectsWith(prepareContext({ kind: 'git', repo: repo.bare, commit: tricky }, images), 'DF_ERR_UNSAFE_ARCHIVE');
    await rejectsWith(prepareContext({ kind: 'git', repo: repo.bare, commit: '--output=/tmp/x' }, images), 'DF_ERR_INVALID_REF');
    await rejectsWith(prepareContext({ kind: 'git', repo: repo.bare, commit: 'a'.repeat(40) }, images), 'DF_ERR_INVALID_REF');
  });

  it('refuses an object that is not a commit (a tree or a blob SHA)', async () => {
    const sha = await repo.commit(detectedApp('v1'));
    const rev = (spec: string): string => execFileSync('git', ['--git-dir', repo.bare, 'rev-parse', spec]).toString().trim();
    await rejectsWith(prepareContext({ kind: 'git', repo: repo.bare, commit: rev(`${sha}^{tree}`) }, images), 'DF_ERR_INVALID_REF');
    await rejectsWith(prepareContext({ kind: 'git', repo: repo.bare, commit: rev(`${sha}:server.js`) }, images), 'DF_ERR_INVALID_REF');
  });

  it('from a plain directory: .git left out, escapes refused', async () => {
    await writeTree(dir, { 'index.html': '<h1>hi</h1>', '.git/config': 'secret', 'css/a.css': 'a' });
    const ctx = await prepareContext({ kind: 'dir', dir }, images);
    assert.equal(ctx.detection.kind, 'static');
    const entries = await readTar(ctx.open());
    assert.ok(entries.has('index.html') && entries.has('css/a.css') && entries.has('.deployflow/nginx.conf'));
    assert.ok(![...entries.keys()].some((n) => n.startsWith('.git/')));
    await writeTree(dir, { 'css/out': { symlink: '../../x' } });
    await rejectsWith(prepareContext({ kind: 'dir', dir }, images), 'DF_ERR_UNSAFE_ARCHIVE');
  });
});
