// Reading and moving the branches of an app's repository, with git itself: refs may be loose
// files or packed, and `git update-ref <ref> <new> <old>` moves one only if it still holds <old>.
import { runGit } from '../../common/git/run.js';
import { ZERO_SHA } from './refs.js';

/** What `ref` points at right now (null when it does not exist). */
export async function currentRef(repoPath: string, ref: string): Promise<string | null> {
  const out = (await runGit(repoPath, ['for-each-ref', '--format=%(objectname) %(refname)', '--', ref])).toString('latin1');
  // for-each-ref also matches refs below a pattern ending at a slash: keep the exact ref's line.
  const line = out.split('\n').find((l) => l.slice(41) === ref);
  return line ? line.slice(0, 40) : null;
}

/**
 * Points `ref` at `commit`. With `expected` (a commit, or null for "must not exist") only while
 * the ref still holds it, and rejects otherwise; without, from whatever it holds. Resolves with
 * what it pointed at before.
 */
export async function moveRef(repoPath: string, ref: string, commit: string, expected?: string | null): Promise<string | null> {
  for (let attempt = 0; ; attempt++) {
    const before = expected === undefined ? await currentRef(repoPath, ref) : expected;
    try {
      await runGit(repoPath, ['update-ref', '-m', 'deployflow push', ref, commit, before ?? ZERO_SHA]);
      return before;
    } catch (err) {
      // Unconditional: something else moved it between the read and the update; read again.
      if (expected !== undefined || attempt >= 2) throw err;
    }
  }
}

/** Whether `ancestor` is reachable from `commit`. */
export async function contains(repoPath: string, commit: string, ancestor: string): Promise<boolean> {
  return runGit(repoPath, ['merge-base', '--is-ancestor', ancestor, commit]).then(
    () => true,
    () => false,
  );
}
