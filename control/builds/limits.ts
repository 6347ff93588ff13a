// The limits one build runs under. Memory is counted against the owner's memory quota: a build
// gets the configured build memory, or what the owner's apps leave of the quota when that is
// less — but never under a floor, so an owner at the quota can still redeploy.
import type { Config } from '../../common/config/config.js';
import type { BuildLimits } from '../../builder/index.js';
import { footprint, sumFootprints } from '../operations/quota.js';
import type { Store } from '../store/types.js';

export const BUILD_MEMORY_FLOOR_MB = 256;

/** Pure: the build memory for an owner with `reservedMb` of `quotaMb` in use (null quota: exempt). */
export function buildMemoryMb(configured: number, quotaMb: number | null, reservedMb: number): number {
  if (quotaMb === null) return configured;
  return Math.min(configured, Math.max(BUILD_MEMORY_FLOOR_MB, quotaMb - reservedMb));
}

export function buildLimits(deps: { store: Store; config: Config }): (app: string) => Promise<BuildLimits> {
  return async (name) => {
    const { build, memoryQuotaMb } = deps.config;
    const app = await deps.store.apps.get(name);
    // A team's apps count against the team's quota as assertQuota counts them (a team is never an admin).
    const owner = app?.ownerKind === 'user' ? await deps.store.users.get(app.ownerId) : null;
    let memoryMb = build.memoryMb;
    if (app && (app.ownerKind === 'team' || (owner && owner.role !== 'admin'))) {
      const owned = (await deps.store.apps.listForUser(app.ownerId)).filter((a) => a.ownerId === app.ownerId);
      memoryMb = buildMemoryMb(build.memoryMb, memoryQuotaMb, sumFootprints(owned.map(footprint)).memoryMb);
    }
    return { memoryMb, cpus: build.cpus, pids: build.pids };
  };
}
