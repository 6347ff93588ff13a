// BuildKit keeps its layer cache apart from images, so pruning an app's old images frees none of
// it; left alone it grows with every deploy. This trims it to a budget, least recently used
// first; what a running build uses is never removed. The engine's cache records (listed by
// `/system/df`) name no app, so the budget per app (build/cache-budget.ts) lists them and prunes
// the ones it attributed to an app, one record id at a time.
import type Docker from 'dockerode';

interface PruneAnswer {
  CachesDeleted?: string[] | null;
  SpaceReclaimed?: number;
}

/** One BuildKit cache record as `/system/df` lists it (Docker 20.10, API 1.41). */
export interface CacheRecord {
  ID: string;
  Parent?: string;
  /** `regular` (a layer, a context copy) or `exec.cachemount` (a `RUN --mount=type=cache`). */
  Type: string;
  Description: string;
  InUse: boolean;
  /** Its data is also an image's layer: pruning it frees nothing and the engine skips it. */
  Shared: boolean;
  /** Bytes the engine measured once; a cache mount's size is not measured again when it grows. */
  Size: number;
  CreatedAt: string;
  LastUsedAt?: string | null;
  UsageCount: number;
}

function prune(docker: Docker, options: Record<string, string | number>): Promise<PruneAnswer> {
  return new Promise<PruneAnswer>((resolve, reject) => {
    docker.modem.dial(
      { path: '/build/prune?', method: 'POST', options, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' } },
      (err: unknown, data: unknown) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve((data ?? {}) as PruneAnswer),
    );
  });
}

/** `POST /build/prune?keep-storage=…` (dockerode's pruneBuilder drops its options, so the modem is asked directly). */
export async function trimBuildCache(docker: Docker, keepBytes: number): Promise<{ deleted: number; reclaimedBytes: number }> {
  const answer = await prune(docker, { 'keep-storage': keepBytes });
  return { deleted: answer.CachesDeleted?.length ?? 0, reclaimedBytes: answer.SpaceReclaimed ?? 0 };
}

const BUSY = /disk usage operation is already running/i;

/**
 * Every BuildKit cache record of the engine. The engine answers one `/system/df` at a time (a
 * second one at the same moment gets a 500 "a disk usage operation is already running"), so a
 * busy answer is asked again, for up to `waitMs`.
 */
export async function listBuildCache(docker: Docker, waitMs = 30_000): Promise<CacheRecord[]> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const df = (await docker.df()) as { BuildCache?: CacheRecord[] | null };
      return df.BuildCache ?? [];
    } catch (err) {
      const text = `${(err as Error).message ?? ''} ${JSON.stringify((err as { json?: unknown }).json ?? '')}`;
      if (!BUSY.test(text) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
    }
  }
}

const RECORD_ID = /^[a-z0-9]{1,64}$/;

/**
 * Prunes one record by id. The engine turns an `id` filter into a regular-expression match, so
 * the id is anchored. A record still used (a running build, a child record, an image's layer) is
 * not removed: the answer says whether it was.
 */
export async function pruneCacheRecord(docker: Docker, id: string): Promise<{ deleted: boolean; reclaimedBytes: number }> {
  if (!RECORD_ID.test(id)) throw new Error(`not a build cache record id: ${id.slice(0, 80)}`);
  const answer = await prune(docker, { filters: JSON.stringify({ id: [`^${id}$`] }) });
  return { deleted: (answer.CachesDeleted ?? []).includes(id), reclaimedBytes: answer.SpaceReclaimed ?? 0 };
}
