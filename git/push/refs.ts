// What a push asks for, decided from the ref lines alone (pure): which refs deploy, which are
// only stored, and whether the whole push must be refused. Every ref and commit passes the
// common validators first; one bad line refuses the push, because pre-receive is all-or-nothing.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import { parseCommitSha, parseGitRef, type CommitSha, type GitRef } from '../../common/names/validate.js';

export interface RefUpdate { ref: GitRef; oldCommit: CommitSha; newCommit: CommitSha }

export interface PushPlan {
  /** Updates of main/master, deployed in order. */
  deploy: RefUpdate[];
  /** Lines to print for refs that are stored but not deployed. */
  notes: string[];
}

export const ZERO_SHA = '0'.repeat(40);
export const DEPLOY_REFS: ReadonlySet<string> = new Set(['refs/heads/main', 'refs/heads/master']);

export function parseRefLines(text: string): RefUpdate[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0 || lines.length > 1000) throw new DeployFlowError('DF_ERR_INVALID_REF', 'The push carries no valid ref updates');
  return lines.map((line) => {
    const parts = line.split(' ');
    if (parts.length !== 3) throw new DeployFlowError('DF_ERR_INVALID_REF', 'A ref update line is malformed');
    const [oldCommit, newCommit, ref] = parts as [string, string, string];
    const parsedRef = parseGitRef(ref);
    if (!parsedRef.startsWith('refs/')) throw new DeployFlowError('DF_ERR_INVALID_REF', undefined, { ref: parsedRef });
    return { ref: parsedRef, oldCommit: parseCommitSha(oldCommit), newCommit: parseCommitSha(newCommit) };
  });
}

/** Throws DF_ERR_GIT_REF_DELETE when any ref is deleted, DF_ERR_INVALID_REF on a bad line. */
export function planPush(text: string): PushPlan {
  const updates = parseRefLines(text);
  const deleted = updates.find((u) => u.newCommit === ZERO_SHA);
  if (deleted) throw new DeployFlowError('DF_ERR_GIT_REF_DELETE', `Deleting ${deleted.ref} is not allowed`);
  const plan: PushPlan = { deploy: [], notes: [] };
  for (const update of updates) {
    if (DEPLOY_REFS.has(update.ref)) plan.deploy.push(update);
    else plan.notes.push(`${update.ref} stored; only pushes to main or master deploy.`);
  }
  return plan;
}
