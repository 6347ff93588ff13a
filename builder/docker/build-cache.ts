// BuildKit keeps its layer cache apart from images, so pruning an app's old images frees none of
// it; left alone it grows with every deploy. This trims it to a budget, least recently used
// first; what a running build uses is never removed.
import type Docker from 'dockerode';

interface PruneAnswer { CachesDeleted?: string[] | null; SpaceReclaimed?: number }

/** `POST /build/prune?keep-storage=…` (dockerode's pruneBuilder drops its options, so the modem is asked directly). */
export async function trimBuildCache(docker: Docker, keepBytes: number): Promise<{ deleted: number; reclaimedBytes: number }> {
  const answer = await new Promise<PruneAnswer>((resolve, reject) => {
    docker.modem.dial({ path: '/build/prune?', method: 'POST', options: { 'keep-storage': keepBytes }, statusCodes: { 200: true, 500: 'server error' } },
      (err: unknown, data: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve((data ?? {}) as PruneAnswer)));
  });
  return { deleted: answer.CachesDeleted?.length ?? 0, reclaimedBytes: answer.SpaceReclaimed ?? 0 };
}
