// What happens between "the hook called back" and "the hook exits": plan the refs, refuse what
// is not allowed (access is asked again: it may have been revoked while the pack uploaded; the
// branch must still be where the pusher saw it), run the deploy handler per deploying ref, and
// stream its lines to the pusher.
import path from 'node:path';
import { isDeployFlowError } from '../../common/errors/catalogue.js';
import type { Logger } from '../../common/log/logger.js';
import { QUARANTINE_ENV } from '../repos/hook.js';
import type { GitAccess, PushHandler } from '../types.js';
import { planPush, ZERO_SHA, type PushPlan } from './refs.js';

export interface Pending { app: string; userId: string; repoPath: string }

export interface PushDeps {
  onPush: PushHandler;
  access: Pick<GitAccess, 'deployBranch' | 'mayAccess'>;
  log: Logger;
  /** What `ref` of the repository at `repoPath` points at now; null when it does not exist. */
  currentRef(repoPath: string, ref: string): Promise<string | null>;
}

function inside(root: string, candidate: string): boolean {
  const rel = path.relative(root, path.resolve(root, candidate));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Keeps only the quarantine variables, and only when every path they name lies inside the repo:
 * the deploy runs git with this env, so it must not be pointed at another repository's objects.
 */
export function quarantineEnv(given: Record<string, unknown>, repoPath: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of QUARANTINE_ENV) {
    const value = given[name];
    if (typeof value !== 'string' || value === '') continue;
    const paths = name === 'GIT_ALTERNATE_OBJECT_DIRECTORIES' ? value.split(':') : [value];
    if (paths.every((p) => path.isAbsolute(p) && inside(repoPath, p))) env[name] = value;
  }
  return env;
}

/** Splits handler output into single lines; a stray CR would overwrite the pusher's line. */
function lineWriter(print: (line: string) => void): (text: string) => void {
  return (text) => { for (const line of String(text).split(/\r?\n|\r/)) print(line); };
}

export async function runPush(pending: Pending, refs: string, gitEnv: Record<string, string>, deps: PushDeps,
  print: (line: string) => void): Promise<boolean> {
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
  for (const update of plan.deploy) {
    // Pushes to one app take turns (HookServer); one that waited may find its branch moved on.
    const now = await deps.currentRef(pending.repoPath, update.ref);
    if (now !== (update.oldCommit === ZERO_SHA ? null : update.oldCommit)) {
      out(`! Push refused: ${update.ref} moved while this push waited (it is at ${now?.slice(0, 12) ?? 'nothing'} now); fetch, then push again`);
      return false;
    }
  }
  for (const note of plan.notes) out(note);
  for (const update of plan.deploy) {
    deps.log.info({ app: pending.app, userId: pending.userId, ref: update.ref, commit: update.newCommit }, 'git push: deploying');
    let result: { ok: boolean; message: string };
    try {
      result = await deps.onPush({ ...pending, ...update, gitEnv }, out);
    } catch (err) {
      deps.log.error({ err, app: pending.app }, 'git push: deploy handler threw');
      result = { ok: false, message: isDeployFlowError(err) ? err.message : 'The deploy failed with an internal error' };
    }
    if (!result.ok) {
      out(`! Push rejected: ${result.message}`);
      return false;
    }
    out(result.message);
  }
  return true;
}
