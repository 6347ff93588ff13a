// Reading and rewriting a hosts file. Written through a temporary file and a rename when the
// folder allows it (a reader never sees half a file); in place where the file is a mount point
// (containers bind-mount /etc/hosts, and a rename onto it fails).
import fs from 'node:fs';
import path from 'node:path';
import { withoutBlock } from './block.js';

export function rewriteHostsFile(file: string, edit: (text: string) => string): boolean {
  const before = fs.readFileSync(file, 'utf8');
  const after = edit(before);
  if (after === before) return false;
  const mode = fs.statSync(file).mode & 0o777;
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.deployflow-${process.pid}`);
  try {
    fs.writeFileSync(temporary, after, { mode });
    fs.renameSync(temporary, file);
  } catch {
    fs.rmSync(temporary, { force: true });
    fs.writeFileSync(file, after);
  }
  return true;
}

/** Removes the managed block; a missing file has none. */
export function removeManagedBlock(file: string): boolean {
  try {
    return rewriteHostsFile(file, withoutBlock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** `deployflow down` must find the file `up` edited even when run with another environment. */
export function recordHostsFile(runDir: string, file: string): void {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(runDir, 'hosts-file'), `${file}\n`);
}

export function recordedHostsFile(runDir: string): string | null {
  try {
    const file = fs.readFileSync(path.join(runDir, 'hosts-file'), 'utf8').trim();
    return file.startsWith('/') ? file : null;
  } catch {
    return null;
  }
}

export function forgetHostsFile(runDir: string): void {
  fs.rmSync(path.join(runDir, 'hosts-file'), { force: true });
}
