// Per-user resource quotas over the apps a user owns: total replicas, and total memory as
// replicas × the per-replica memory limit. The arithmetic is pure; `assertQuota` loads the
// owner's apps and throws DF_ERR_QUOTA_EXCEEDED naming the limit that would be crossed.
import type { Config } from '../../common/config/config.js';
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { App, Store, User } from '../store/types.js';

export interface Footprint {
  replicas: number;
  memoryMb: number;
}
export interface QuotaLimits {
  replicas: number;
  memoryMb: number;
}
type Sized = Pick<App, 'replicas'> & { limits: Pick<App['limits'], 'memoryMb'> };

export function footprint(app: Sized): Footprint {
  return { replicas: app.replicas, memoryMb: app.replicas * app.limits.memoryMb };
}

export function sumFootprints(apps: Footprint[]): Footprint {
  return apps.reduce((a, b) => ({ replicas: a.replicas + b.replicas, memoryMb: a.memoryMb + b.memoryMb }), { replicas: 0, memoryMb: 0 });
}

/**
 * The message of the first limit `after` crosses, or null. With a `before`, a dimension that
 * does not grow is never refused, so an owner already over a (lowered) quota can still shrink.
 */
export function quotaViolation(others: Footprint, before: Footprint | null, after: Footprint, limits: QuotaLimits): string | null {
  const total = sumFootprints([others, after]);
  if (total.replicas > limits.replicas && (!before || after.replicas > before.replicas)) {
    return `Replica quota exceeded: the owner's apps would run ${total.replicas} replicas; the limit is ${limits.replicas}`;
  }
  if (total.memoryMb > limits.memoryMb && (!before || after.memoryMb > before.memoryMb)) {
    return `Memory quota exceeded: the owner's apps would reserve ${total.memoryMb} MB; the limit is ${limits.memoryMb} MB`;
  }
  return null;
}

export interface QuotaDeps {
  store: Store;
  config: Config;
}

/**
 * Checks `app` with `next` settings (or as it is, for a deploy) against its owner's quota.
 * Admins are exempt, both as the caller and as the owner.
 */
export async function assertQuota(deps: QuotaDeps, actor: User | null, app: App, next?: Partial<Sized>): Promise<void> {
  if (actor?.role === 'admin') return;
  const owner = actor?.id === app.ownerId ? actor : await deps.store.users.get(app.ownerId);
  if (owner?.role === 'admin') return;
  const owned = (await deps.store.apps.listForUser(app.ownerId)).filter((a) => a.ownerId === app.ownerId && a.name !== app.name);
  const after = footprint({
    replicas: next?.replicas ?? app.replicas,
    limits: { memoryMb: next?.limits?.memoryMb ?? app.limits.memoryMb },
  });
  const message = quotaViolation(sumFootprints(owned.map(footprint)), next ? footprint(app) : null, after, {
    replicas: deps.config.replicaQuota,
    memoryMb: deps.config.memoryQuotaMb,
  });
  if (message) throw new DeployFlowError('DF_ERR_QUOTA_EXCEEDED', message);
}

/** For the deploy engine: the app as it is must fit its owner's quota. */
export function deployQuotaCheck(deps: QuotaDeps): (app: string, createdBy: string | null) => Promise<void> {
  return async (name, createdBy) => {
    const app = await deps.store.apps.get(name);
    if (!app) return; // the pipeline reports the missing app itself
    const actor = createdBy ? await deps.store.users.get(createdBy) : null;
    await assertQuota(deps, actor, app);
  };
}
