// What a push asks for, decided from the ref lines alone (pure): which refs deploy, which are
// only stored, and whether the whole push must be refused. Every ref and commit passes the
// common validators first; one bad line refuses the whole push (none of its refs moves).
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseCommitSha, parseGitRef, type CommitSha, type GitRef } from '../../common/names/validate.js';

export interface RefUpdate {
  ref: GitRef;
  oldCommit: CommitSha;
  newCommit: CommitSha;
}

export interface PushPlan {
  /** Updates of the app's deploy branch, deployed in order. */
  deploy: RefUpdate[];
  /** Updates of every other ref: stored as pushed. */
  stored: RefUpdate[];
  /** Lines to print for refs that are stored but not deployed. */
  notes: string[];
}

export const ZERO_SHA = '0'.repeat(40);
export const DEFAULT_DEPLOY_BRANCH = 'main';
const MAX_REF_UPDATES = 1000;

/**
 * The refs whose pushes deploy for an app deploying `branch` (`main` or `refs/heads/main`).
 * `main` keeps `master` deploying too: that was the behaviour before the branch was per app,
 * and repositories made by older git clients still push master.
 */
export function deployRefs(branch: string): ReadonlySet<string> {
  const name = parseGitRef(branch).replace(/^refs\/heads\//, '');
  if (name === '') throw new DeployFlowError('DF_ERR_INVALID_REF', undefined, { ref: branch });
  return new Set(name === DEFAULT_DEPLOY_BRANCH ? ['refs/heads/main', 'refs/heads/master'] : [`refs/heads/${name}`]);
}

function describeRefs(refs: ReadonlySet<string>): string {
  return [...refs].map((r) => r.replace(/^refs\/heads\//, '')).join(' or ');
}

export function parseRefLines(text: string): RefUpdate[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) throw new DeployFlowError('DF_ERR_INVALID_REF', 'The push carries no valid ref updates');
  if (lines.length > MAX_REF_UPDATES)
    throw new DeployFlowError('DF_ERR_INVALID_REF', `A push may update at most ${MAX_REF_UPDATES} refs; this one updates ${lines.length}`);
  return lines.map((line) => {
    const parts = line.split(' ');
    if (parts.length !== 3) throw new DeployFlowError('DF_ERR_INVALID_REF', 'A ref update line is malformed');
    const [oldCommit, newCommit, ref] = parts as [string, string, string];
    const parsedRef = parseGitRef(ref);
    if (!parsedRef.startsWith('refs/')) throw new DeployFlowError('DF_ERR_INVALID_REF', undefined, { ref: parsedRef });
    return { ref: parsedRef, oldCommit: parseCommitSha(oldCommit), newCommit: parseCommitSha(newCommit) };
  });
}

/**
 * Plans a push to an app whose deploy branch is `branch`. Throws DF_ERR_GIT_REF_DELETE when any
 * ref is deleted, DF_ERR_INVALID_REF on a bad line (or a bad branch setting).
 */
export function planPush(text: string, branch: string = DEFAULT_DEPLOY_BRANCH): PushPlan {
  const updates = parseRefLines(text);
  const deleted = updates.find((u) => u.newCommit === ZERO_SHA);
  if (deleted) throw new DeployFlowError('DF_ERR_GIT_REF_DELETE', `Deleting ${deleted.ref} is not allowed`);
  const refs = deployRefs(branch);
  const plan: PushPlan = { deploy: [], stored: [], notes: [] };
  for (const update of updates) {
    if (refs.has(update.ref)) {
      plan.deploy.push(update);
    } else {
      plan.stored.push(update);
      plan.notes.push(`${update.ref} stored; only pushes to ${describeRefs(refs)} deploy.`);
    }
  }
  return plan;
}
