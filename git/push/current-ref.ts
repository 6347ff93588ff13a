// What a ref of an app's repository points at right now (null when it does not exist), read with
// git itself: refs may be loose files or packed, and git knows which.
import { spawn } from 'node:child_process';
import { gitChildEnv, ISOLATED_GIT_ENV } from '../../common/git/env.js';

export function currentRef(repoPath: string, ref: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', repoPath, 'for-each-ref', '--format=%(objectname) %(refname)', '--', ref], {
      stdio: ['ignore', 'pipe', 'pipe'], env: gitChildEnv(ISOLATED_GIT_ENV),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) { reject(new Error(`git for-each-ref exited ${code}: ${err.trim().slice(0, 300)}`)); return; }
      // for-each-ref also matches refs below a pattern ending at a slash: keep the exact ref's line.
      const line = out.split('\n').find((l) => l.slice(41) === ref);
      resolve(line ? line.slice(0, 40) : null);
    });
  });
}
