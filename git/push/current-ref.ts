// What a ref of an app's repository points at right now (null when it does not exist), read with
// git itself: refs may be loose files or packed, and git knows which.
import { runGit } from '../../common/git/run.js';

export async function currentRef(repoPath: string, ref: string): Promise<string | null> {
  const out = (await runGit(repoPath, ['for-each-ref', '--format=%(objectname) %(refname)', '--', ref])).toString('latin1');
  // for-each-ref also matches refs below a pattern ending at a slash: keep the exact ref's line.
  const line = out.split('\n').find((l) => l.slice(41) === ref);
  return line ? line.slice(0, 40) : null;
}
