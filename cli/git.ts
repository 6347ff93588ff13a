// The few git questions the CLI asks, through spawn (no shell): is the working directory a
// checkout, and which app does its `deployflow` remote point at.
import { spawn } from 'node:child_process';

export const REMOTE = 'deployflow';

export function git(args: string[], cwd = process.cwd()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('error', () => resolve({ code: 127, stdout, stderr: 'git is not installed' }));
    child.once('close', (code) => resolve({ code: code ?? 1, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

export async function insideCheckout(): Promise<boolean> {
  const r = await git(['rev-parse', '--is-inside-work-tree']);
  return r.code === 0 && r.stdout === 'true';
}

/** `http://host:5001/shop.git` or `ssh://git@host:2222/shop.git` → `shop`. */
export function appOfRemoteUrl(url: string): string | null {
  const match = /([a-z][a-z0-9-]*)(?:\.git)?\/?$/.exec(url.trim());
  return match ? match[1]! : null;
}

export async function remoteUrl(): Promise<string | null> {
  const r = await git(['remote', 'get-url', REMOTE]);
  return r.code === 0 && r.stdout ? r.stdout : null;
}
