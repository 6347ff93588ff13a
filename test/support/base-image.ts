// A Node.js base image made from this machine's own files, because tests cannot pull from a
// registry: the node binary and the libraries it links, the dynamic loader, busybox for a shell
// (npm scripts and Procfile lines run through `sh -c`), npm, and a `node` user so generated
// Dockerfiles can drop root. Imported once and reused by every later call.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import tarFs from 'tar-fs';
import { requireProgram } from './programs.js';

const NODE_UID = 1000;

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited ${code}: ${err}`))));
  });
}

/** Absolute paths of the shared objects (and the loader) that `ldd node` names. */
function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) paths.push(m[1]);
  }
  return paths;
}

async function copyInto(root: string, hostPath: string, imagePath = hostPath): Promise<void> {
  const dest = path.join(root, imagePath);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await fs.cp(hostPath, dest, { recursive: true, dereference: true });
}

/** Copies a host program to the same path in the image, with the shared objects it links. */
async function copyProgram(root: string, program: string, imagePath = program): Promise<void> {
  const real = await fs.realpath(program);
  await copyInto(root, real, imagePath);
  for (const lib of parseLdd(await run('ldd', [real]))) await copyInto(root, lib);
}

async function assemble(root: string): Promise<void> {
  await copyProgram(root, process.execPath, '/usr/local/bin/node');
  const nodeBin = await fs.realpath(process.execPath);

  const npmDir = path.join(path.dirname(path.dirname(nodeBin)), 'lib/node_modules/npm');
  if (
    await fs.stat(npmDir).then(
      () => true,
      () => false,
    )
  ) {
    await copyInto(root, npmDir, '/usr/local/lib/node_modules/npm');
    await fs.symlink('../lib/node_modules/npm/bin/npm-cli.js', path.join(root, 'usr/local/bin/npm'));
  }

  await copyInto(root, '/bin/busybox', '/bin/busybox');
  const applets = (await run('/bin/busybox', ['--list'])).split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a));
  for (const applet of applets) {
    if (applet === 'busybox') continue;
    await fs.symlink('busybox', path.join(root, 'bin', applet)).catch(() => undefined);
  }
  await fs.mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await fs.symlink('/bin/busybox', path.join(root, 'usr/bin/env'));

  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.writeFile(
    path.join(root, 'etc/passwd'),
    `root:x:0:0:root:/root:/bin/sh\nnode:x:${NODE_UID}:${NODE_UID}:node:/home/node:/bin/sh\n`,
  );
  await fs.writeFile(path.join(root, 'etc/group'), `root:x:0:\nnode:x:${NODE_UID}:\n`);
  await fs.mkdir(path.join(root, 'home/node'), { recursive: true });
  await fs.mkdir(path.join(root, 'root'), { recursive: true });
  await fs.mkdir(path.join(root, 'tmp'), { recursive: true });
  await fs.chmod(path.join(root, 'tmp'), 0o1777);
}

async function imageExists(docker: Docker, name: string): Promise<boolean> {
  return docker
    .getImage(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

async function importDir(docker: Docker, root: string, repo: string, tag: string): Promise<void> {
  const tar = tarFs.pack(root, {
    // The node user owns its home; everything else stays root's, as in the official images.
    map: (header) => {
      if (header.name === 'home/node' || header.name.startsWith('home/node/')) {
        header.uid = NODE_UID;
        header.gid = NODE_UID;
      }
      // tar-fs masks modes with the process umask; /tmp must stay world-writable and sticky.
      if (header.name === 'tmp') header.mode = 0o1777;
      // The image's / is the temp folder's (0700): as in every image it must be 0755, or a
      // non-root user cannot reach anything (overlay2 hides it; the vfs driver keeps it).
      if (header.name === '.') header.mode = 0o755;
      return header;
    },
  });
  const output = await docker.importImage(tar as unknown as NodeJS.ReadableStream, { repo, tag });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(output, (err: Error | null, events: Array<{ error?: string }>) => {
      const failed = events?.find((e) => e.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    });
  });
}

async function ensureImage(docker: Docker, repo: string, fill: (root: string) => Promise<void>): Promise<string> {
  const tag = process.versions.node;
  const name = `${repo}:${tag}`;
  if (await imageExists(docker, name)) return name;
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'df-node-base-'));
  try {
    await assemble(root);
    await fill(root);
    await importDir(docker, root, repo, tag);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
  return name;
}

/** Returns the image name (`deployflow-test/node-base:<node version>`), importing it if missing. */
export function ensureNodeBaseImage(docker: Docker = new Docker()): Promise<string> {
  return ensureImage(docker, 'deployflow-test/node-base', async () => undefined);
}

/**
 * The node base plus what the platform's own images get from Debian packages: git (the git and
 * control services: receive-pack, archive, clones; git runs its helpers from /usr/lib/git-core),
 * setcap (the gateway image lets node bind 80/443) and redis-server/redis-cli (the compose test's
 * Redis service).
 */
export function ensureNodeToolsImage(docker: Docker = new Docker()): Promise<string> {
  return ensureImage(docker, 'deployflow-test/node-tools', async (root) => {
    const git = requireProgram('git');
    await copyProgram(root, git, '/usr/bin/git');
    await copyProgram(root, git, '/usr/lib/git-core/git');
    await copyProgram(root, requireProgram('setcap'), '/usr/sbin/setcap');
    await copyProgram(root, requireProgram('redis-server'), '/usr/bin/redis-server');
    await copyProgram(root, requireProgram('redis-cli'), '/usr/bin/redis-cli');
  });
}
