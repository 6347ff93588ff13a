// The repository's docker-compose.yml as the tests run it: docker-compose (v1, the Compose in
// Debian 12) with a unique project name, and the stack derived for the embedded store — MongoDB
// left out, because no MongoDB image can be made here (no pulls, no package to copy from).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { requireProgram } from './programs.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

export interface ComposeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

type Service = { environment?: Record<string, unknown>; depends_on?: Record<string, unknown>; build?: unknown };

/**
 * docker-compose.yml without the mongo service, its volume, the dependencies on it and
 * MONGODB_URL, so control and git open the embedded SQLite store in the data volume; and without
 * the build sections (the test builds the images itself). Everything else is the file as shipped.
 */
export function embeddedStoreStack(): string {
  const doc = YAML.parse(fs.readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  delete doc.services.mongo;
  delete doc.volumes['mongo-data'];
  for (const service of Object.values(doc.services)) {
    delete service.depends_on?.mongo;
    delete service.environment?.MONGODB_URL;
    delete service.build;
  }
  // The x- blocks only fed the merges above.
  for (const key of Object.keys(doc)) if (key.startsWith('x-')) delete (doc as Record<string, unknown>)[key];
  // docker-compose reads YAML 1.1, where an unquoted yes is a boolean.
  return YAML.stringify(doc, { version: '1.1' });
}

export function compose(args: string[], opts: { file: string; project: string; env: Record<string, string> }): Promise<ComposeRun> {
  const file = requireProgram('docker-compose');
  return new Promise((resolve, reject) => {
    const child = spawn(file, ['--ansi', 'never', '-f', opts.file, '-p', opts.project, ...args], {
      cwd: path.dirname(opts.file),
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
