// Detection, Dockerfile generation and the tree check are pure: no Docker, no git here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detect, type SourceSnapshot } from '../builder/detect/detect.js';
import { parseProcfile } from '../builder/detect/procfile.js';
import { generate, GENERATED_DOCKERFILE } from '../builder/dockerfile/generate.js';
import { checkEntryName, checkTree } from '../builder/context/tree-check.js';
import { isDeployFlowError } from '../common/errors/catalogue.js';

const images = { node: 'node:20-alpine', static: 'nginx:alpine', python: 'python:3.12-slim', go: 'golang:1.22-alpine' };

function snap(files: Record<string, string>): SourceSnapshot {
  return { names: new Set(Object.keys(files)), contents: files };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isDeployFlowError(err) ? err.code : `not a DeployFlowError: ${String(err)}`;
  }
  return undefined;
}

describe('detect', () => {
  it('a Dockerfile wins over everything', () => {
    assert.deepEqual(detect(snap({ Dockerfile: 'FROM x', 'package.json': '{}' })), { kind: 'dockerfile' });
  });

  it('Node without dependencies: no install, npm start', () => {
    const d = detect(snap({ 'package.json': JSON.stringify({ scripts: { start: 'node a.js' } }) }));
    assert.equal(d.kind, 'node');
    if (d.kind !== 'node') return;
    assert.equal(d.node.install, null);
    assert.deepEqual(d.start, ['npm', 'start']);
  });

  it('Node with dependencies and a lock file uses npm ci, and runs the build script', () => {
    const d = detect(
      snap({
        'package.json': JSON.stringify({ dependencies: { a: '1' }, scripts: { build: 'tsc', start: 'x' } }),
        'package-lock.json': '{}',
      }),
    );
    assert.ok(d.kind === 'node' && d.node.install === 'ci' && d.node.build);
    if (d.kind === 'node') assert.deepEqual(d.node.manifests, ['package.json', 'package-lock.json']);
    const d2 = detect(snap({ 'package.json': JSON.stringify({ devDependencies: { a: '1' }, main: 'srv/main.js' }) }));
    assert.ok(d2.kind === 'node' && d2.node.install === 'install' && !d2.node.build);
    if (d2.kind === 'node') assert.deepEqual(d2.start, ['node', 'srv/main.js']);
  });

  it('a Procfile web: line beats the start script', () => {
    const d = detect(snap({ 'package.json': '{"scripts":{"start":"x"}}', Procfile: 'worker: w\nweb: node web.js --port $PORT\n' }));
    assert.ok(d.kind === 'node');
    if (d.kind === 'node') assert.deepEqual(d.start, ['/bin/sh', '-c', 'node web.js --port $PORT']);
  });

  it('Python, Go and static sites', () => {
    assert.deepEqual(detect(snap({ 'requirements.txt': 'flask', 'app.py': '' })), { kind: 'python', start: ['python', 'app.py'] });
    assert.deepEqual(detect(snap({ 'go.mod': 'module x' })), { kind: 'go', start: null });
    assert.deepEqual(detect(snap({ 'index.html': '<h1>' })), { kind: 'static' });
  });

  it('refuses what it cannot start, bad JSON and control characters in a Procfile', () => {
    assert.equal(
      code(() => detect(snap({ 'README.md': '' }))),
      'DF_ERR_UNDETECTED_APP',
    );
    assert.equal(
      code(() => detect(snap({ 'package.json': '{}' }))),
      'DF_ERR_UNDETECTED_APP',
    );
    assert.equal(
      code(() => detect(snap({ 'requirements.txt': '' }))),
      'DF_ERR_UNDETECTED_APP',
    );
    assert.equal(
      code(() => detect(snap({ 'package.json': '{nope' }))),
      'DF_ERR_VALIDATION',
    );
    assert.equal(
      code(() => parseProcfile('web: a\x1bb')),
      'DF_ERR_VALIDATION',
    );
    assert.equal(parseProcfile('web: a\r\n# c\nbad line\n').get('web'), 'a');
  });
});

describe('generate', () => {
  it('Node: base image from config, PORT, EXPOSE, non-root, install layer before the code', () => {
    const g = generate(
      detect(snap({ 'package.json': '{"dependencies":{"a":"1"},"scripts":{"start":"x","build":"b"}}', 'package-lock.json': '' })),
      images,
      3000,
    );
    const file = g.files[GENERATED_DOCKERFILE] ?? '';
    assert.equal(g.dockerfilePath, GENERATED_DOCKERFILE);
    assert.equal(g.port, 3000);
    const lines = file.trim().split('\n');
    assert.equal(lines[0], 'FROM node:20-alpine');
    assert.ok(lines.includes('ENV PORT=3000') && lines.includes('EXPOSE 3000') && lines.includes('USER node'));
    assert.ok(lines.indexOf('RUN npm ci --no-audit --no-fund') < lines.indexOf('COPY --chown=node:node . .'));
    assert.ok(lines.indexOf('RUN npm run build') < lines.indexOf('ENV NODE_ENV=production'));
    assert.equal(lines.at(-1), 'CMD ["npm","start"]');
  });

  it('defaults to port 5000 and keeps a Procfile line inside one JSON CMD', () => {
    const g = generate(detect(snap({ 'package.json': '{}', Procfile: 'web: echo "hi" \\' })), images);
    const file = g.files[GENERATED_DOCKERFILE] ?? '';
    assert.equal(g.port, 5000);
    assert.match(file, /^EXPOSE 5000$/m);
    assert.equal(file.trim().split('\n').at(-1), 'CMD ["/bin/sh","-c","echo \\"hi\\" \\\\"]');
  });

  it('Python, Go and static drop root too; static ships an nginx config on the app port', () => {
    for (const files of [{ 'requirements.txt': '', 'main.py': '' }, { 'go.mod': '' }] as Record<string, string>[]) {
      const file = generate(detect(snap(files)), images).files[GENERATED_DOCKERFILE] ?? '';
      assert.match(file, /^USER 10001:10001$/m);
      assert.match(file, /^ENV PORT=5000/m);
    }
    const s = generate(detect(snap({ 'index.html': '' })), images, 8081);
    assert.match(s.files[GENERATED_DOCKERFILE] ?? '', /^FROM nginx:alpine\n[\s\S]*^USER nginx$/m);
    assert.match(s.files['.deployflow/nginx.conf'] ?? '', /listen 8081;/);
  });

  it('a repo Dockerfile is used as is', () => {
    assert.deepEqual(generate({ kind: 'dockerfile' }, images), { dockerfilePath: 'Dockerfile', files: {}, port: 5000 });
    assert.throws(() => generate({ kind: 'dockerfile' }, images, 70000));
  });
});

describe('tree check', () => {
  it('accepts links that stay inside', () => {
    checkTree([
      { path: 'a/b', type: 'file' },
      { path: 'l', type: 'symlink', target: 'a/b' },
      { path: 'a/up', type: 'symlink', target: '../l' },
    ]);
    assert.equal(checkEntryName('./x/./y/'), 'x/y');
  });

  it('refuses absolute names, .., escaping and absolute links, loops, and link tricks', () => {
    const cases = [
      [{ path: '/etc/passwd', type: 'file' }],
      [{ path: 'a/../../x', type: 'file' }],
      [{ path: 'evil', type: 'symlink', target: '../../etc/passwd' }],
      [{ path: 'evil', type: 'symlink', target: '/etc/passwd' }],
      [
        { path: 'a', type: 'symlink', target: 'b' },
        { path: 'b', type: 'symlink', target: 'a' },
      ],
      [
        { path: 'd', type: 'symlink', target: '.' },
        { path: 'l', type: 'symlink', target: 'd/..' },
      ],
      [
        { path: 'd', type: 'symlink', target: 'x' },
        { path: 'd/f', type: 'file' },
      ],
      [{ path: 'dev', type: 'other' }],
    ] as const;
    for (const entries of cases)
      assert.equal(
        code(() => checkTree(entries)),
        'DF_ERR_UNSAFE_ARCHIVE',
        JSON.stringify(entries),
      );
  });
});
