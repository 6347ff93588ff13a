// What the service does with a push's ref updates, which git hands to the proc-receive hook once
// the objects are stored. First the checks: plan the refs and refuse the whole push when a line
// is bad or a ref is deleted, and ask access again (the upload may have taken as long as the
// pusher liked). Then per ref: the deploy branch runs the deploy handler, its lines streamed to
// the pusher, and the handler moves the branch when its version goes live; other refs are moved
// at once, only from the value the pusher saw (as git itself would).
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import type { Logger } from '../../common/log/logger.js';
import type { GitAccess, PushHandler } from '../types.js';
import { planPush, ZERO_SHA, type PushPlan, type RefUpdate } from './refs.js';

export interface Pending {
  app: string;
  userId: string;
  repoPath: string;
}

/** What one ref of the push came to: proc-receive answers `ok` or `ng <reason>` with it. */
export interface RefResult {
  ref: string;
  ok: boolean;
  reason?: string;
}

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
  return (text) => {
    for (const line of String(text).split(/\r?\n|\r/)) print(line);
  };
}

/** The push's plan, or null (with the reason printed) when the whole push is refused. */
async function checkPush(pending: Pending, refs: string, deps: PushDeps, out: (text: string) => void): Promise<PushPlan | null> {
  let plan: PushPlan;
  try {
    // Asked per push, not cached: the owner may have changed the branch since the last one.
    plan = planPush(refs, await deps.access.deployBranch(pending.app));
  } catch (err) {
    if (!isDeployFlowError(err)) throw err;
    out(`! Push refused: ${err.message}`);
    return null;
  }
  // Access was checked when the push began; the upload may have taken as long as the pusher liked.
  if (!(await deps.access.mayAccess(pending.userId, pending.app, 'write'))) {
    out('! Push refused: you may no longer push to this app');
    return null;
  }
  for (const note of plan.notes) out(note);
  return plan;
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
  if (
    before &&
    before !== update.oldCommit &&
    before !== update.newCommit &&
    !(await deps.contains(pending.repoPath, update.newCommit, before))
  ) {
    out(
      `-----> ${branch} was at ${short(before)} (pushed meanwhile), which ${short(update.newCommit)} does not contain; ${branch} now points at ${short(update.newCommit)}`,
    );
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

/** One result per ref line, in the same order; every ref `ng` when the push is refused. */
export async function receivePush(pending: Pending, refs: string, deps: PushDeps, print: (line: string) => void): Promise<RefResult[]> {
  const out = lineWriter(print);
  const plan = await checkPush(pending, refs, deps, out);
  if (!plan) {
    const named = refs
      .split('\n')
      .map((l) => l.trim().split(' ')[2])
      .filter((r): r is string => r !== undefined);
    return named.map((ref) => ({ ref, ok: false, reason: 'push refused' }));
  }
  const deploying = new Set(plan.deploy);
  const results: RefResult[] = [];
  for (const update of [...plan.deploy, ...plan.stored]) {
    if (deploying.has(update)) {
      results.push(await deploy(pending, update, deps, out));
      continue;
    }
    try {
      await deps.moveRef(pending.repoPath, update.ref, update.newCommit, update.oldCommit === ZERO_SHA ? null : update.oldCommit);
      results.push({ ref: update.ref, ok: true });
    } catch {
      results.push({ ref: update.ref, ok: false, reason: 'the ref moved meanwhile; fetch first' });
    }
  }
  return results;
}
