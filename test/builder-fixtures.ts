// Test fixtures for the builder: a real bare git repository in a temp dir, committed to with the
// real git client, and tiny dependency-free Node apps (plain node:http) to build from it.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type FileSpec = string | { symlink: string };

function git(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`git ${args.join(' ')}: ${err}`))));
  });
}

export interface TestRepo {
  bare: string;
  work: string;
  /** Writes the files (replacing the previous tree) and commits; returns the commit SHA. */
  commit(files: Record<string, FileSpec>, message?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function writeTree(dir: string, files: Record<string, FileSpec>): Promise<void> {
  for (const [name, spec] of Object.entries(files)) {
    const file = path.join(dir, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    if (typeof spec === 'string') await fs.writeFile(file, spec);
    else await fs.symlink(spec.symlink, file);
  }
}

export async function makeRepo(): Promise<TestRepo> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'df-builder-repo-'));
  const bare = path.join(root, 'app.git');
  const work = path.join(root, 'work');
  await git(['init', '--bare', '--quiet', bare]);
  const g = (args: string[]): Promise<string> => git(['--git-dir', bare, '--work-tree', work, ...args]);
  return {
    bare,
    work,
    async commit(files, message = 'commit') {
      await fs.rm(work, { recursive: true, force: true });
      await fs.mkdir(work);
      await writeTree(work, files);
      await g(['add', '-A']);
      await g(['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', 'commit', '--quiet', '--allow-empty', '-m', message]);
      return g(['rev-parse', 'HEAD']);
    },
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}

/** A plain node:http server: answers `<VERSION>` on every path, or HEALTH_STATUS if set. */
export const SERVER_JS = `
const http = require('node:http');
const version = process.env.APP_VERSION || 'v0';
const status = Number(process.env.HEALTH_STATUS || 200);
if (status !== 200) console.log('starting in unhealthy mode, answering ' + status);
http.createServer((req, res) => {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(version + ' ' + (process.env.GREETING || '') + '\\n');
}).listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

/** An app with its own Dockerfile, pointed at the given base image. */
export function dockerfileApp(baseImage: string, version: string): Record<string, FileSpec> {
  return {
    Dockerfile: `FROM ${baseImage}\nWORKDIR /srv\nCOPY server.js .\nENV PORT=8080 APP_VERSION=${version}\nUSER node\nEXPOSE 8080\nCMD ["node", "server.js"]\n`,
    'server.js': SERVER_JS,
  };
}

/** An auto-detected Node app: package.json with a start script, no dependencies. */
export function detectedApp(version: string): Record<string, FileSpec> {
  return {
    'package.json': JSON.stringify({ name: 'hello', version: '1.0.0', scripts: { start: 'node server.js' } }, null, 2),
    'server.js': SERVER_JS.replace("process.env.APP_VERSION || 'v0'", `process.env.APP_VERSION || '${version}'`),
  };
}
