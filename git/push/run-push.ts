// What the service does for each of a push's two hooks.
// check (pre-receive, before git stores anything): plan the refs and refuse the whole push when a
// line is bad or a ref is deleted, and ask access again (the upload may have taken as long as the
// pusher liked). receive (proc-receive, after git stored the objects, instead of git's own ref
// update): run the deploy handler per deploying ref, streaming its lines to the pusher; the
// handler moves the branch when its version goes live. Refs that do not deploy are moved here
// at once, only from the value the pusher saw (as git itself would).
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import type { Logger } from '../../common/log/logger.js';
import type { GitAccess, PushHandler } from '../types.js';
import { deployRefs, parseRefLines, planPush, ZERO_SHA, type PushPlan, type RefUpdate } from './refs.js';

export interface Pending { app: string; userId: string; repoPath: string }

/** What one ref of the push came to: proc-receive answers `ok` or `ng <reason>` with it. */
export interface RefResult { ref: string; ok: boolean; reason?: string }

export interface PushDeps {
  onPush: PushHandler;
  access: Pick<GitAccess, 'deployBranch' | 'mayAccess'>;
  log: Logger;
  /**
   * Points `ref` of the repository at `commit`: only while it still points at `expected` (a
   * commit, or null for "does not exist") when that is given, whatever it points at otherwise.
   * Resolves with what it pointed at before; rejects when `expected` did not hold.
   */
  moveRef(repoPath: string, ref: string, commit: string, expected?: string | null): Promise<string | null>;
  /** Whether `ancestor` is reachable from `commit` in the repository. */
  contains(repoPath: string, commit: string, ancestor: string): Promise<boolean>;
}

/** Splits handler output into single lines; a stray CR would overwrite the pusher's line. */
function lineWriter(print: (line: string) => void): (text: string) => void {
  return (text) => { for (const line of String(text).split(/\r?\n|\r/)) print(line); };
}

/** The pre-receive check: true lets git store the objects and go on to proc-receive. */
export async function checkPush(pending: Pending, refs: string, deps: PushDeps, print: (line: string) => void): Promise<boolean> {
  const out = lineWriter(print);
  let plan: PushPlan;
  try {
    // Asked per push, not cached: the owner may have changed the branch since the last one.
    plan = planPush(refs, await deps.access.deployBranch(pending.app));
  } catch (err) {
    if (!isDeployFlowError(err)) throw err;
    out(`! Push refused: ${err.message}`);
    return false;
  }
  // Access was checked when the push began; the upload may have taken as long as the pusher liked.
  if (!(await deps.access.mayAccess(pending.userId, pending.app, 'write'))) {
    out('! Push refused: you may no longer push to this app');
    return false;
  }
  for (const note of plan.notes) out(note);
  return true;
}

const short = (sha: string): string => sha.slice(0, 12);

/**
 * Moves the deploy branch to the commit that went live. Pushes go live in push order, so the
 * branch ends on the last one; a push from a clone that lacked an earlier push's commit replaces
 * it, as a force push would, and the pusher is told.
 */
async function publishRef(pending: Pending, update: RefUpdate, deps: PushDeps, out: (text: string) => void): Promise<void> {
  const before = await deps.moveRef(pending.repoPath, update.ref, update.newCommit);
  const branch = update.ref.replace(/^refs\/heads\//, '');
  if (before && before !== update.oldCommit && before !== update.newCommit
    && !(await deps.contains(pending.repoPath, update.newCommit, before))) {
    out(`-----> ${branch} was at ${short(before)} (pushed meanwhile), which ${short(update.newCommit)} does not contain; ${branch} now points at ${short(update.newCommit)}`);
  }
}

async function deploy(pending: Pending, update: RefUpdate, deps: PushDeps, out: (text: string) => void): Promise<RefResult> {
  deps.log.info({ app: pending.app, userId: pending.userId, ref: update.ref, commit: update.newCommit }, 'git push: deploying');
  let result: { ok: boolean; message: string };
  try {
    const event = { app: pending.app, userId: pending.userId, repoPath: pending.repoPath, ...update };
    result = await deps.onPush({ ...event, publishRef: () => publishRef(pending, update, deps, out) }, out);
  } catch (err) {
    deps.log.error({ err, app: pending.app }, 'git push: deploy handler threw');
    result = { ok: false, message: isDeployFlowError(err) ? err.message : 'The deploy failed with an internal error' };
  }
  if (!result.ok) {
    out(`! Push rejected: ${result.message}`);
    return { ref: update.ref, ok: false, reason: 'deploy failed' };
  }
  out(result.message);
  return { ref: update.ref, ok: true };
}

/** The proc-receive step: one result per ref line, in the same order. */
export async function receivePush(pending: Pending, refs: string, deps: PushDeps, print: (line: string) => void): Promise<RefResult[]> {
  const out = lineWriter(print);
  let updates: RefUpdate[];
  let deploying: ReadonlySet<string>;
  try {
    updates = parseRefLines(refs);
    deploying = deployRefs(await deps.access.deployBranch(pending.app));
  } catch (err) {
    if (!isDeployFlowError(err)) throw err;
    out(`! Push refused: ${err.message}`);
    return [];
  }
  const results: RefResult[] = [];
  for (const update of updates) {
    if (update.newCommit === ZERO_SHA) {
      results.push({ ref: update.ref, ok: false, reason: 'deleting a branch is not allowed' });
    } else if (deploying.has(update.ref)) {
      results.push(await deploy(pending, update, deps, out));
    } else {
      try {
        await deps.moveRef(pending.repoPath, update.ref, update.newCommit, update.oldCommit === ZERO_SHA ? null : update.oldCommit);
        results.push({ ref: update.ref, ok: true });
      } catch {
        results.push({ ref: update.ref, ok: false, reason: 'the branch moved meanwhile; fetch first' });
      }
    }
  }
  return results;
}
