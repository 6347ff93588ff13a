// Image retention: after each successful release an app keeps the images of its newest N
// deployments, plus every image a container (running or not) or a deployment that may still be
// released uses — the running one, the rollback target, queued ones. The choice is pure; removal
// is by tag, so an image tagged twice (a cached rebuild) just loses the surplus tag.
import type Docker from 'dockerode';
import { imageRepo, LABEL_APP } from '../../builder/index.js';
import { parseAppName } from '../../common/names/validate.js';
import type { Deployment } from '../store/types.js';

export interface ImageInfo {
  id: string;
  created: number;
  tags: string[];
}

/**
 * Tags to remove: every app tag beyond the newest `keep`, minus protected tags, and never the
 * last tag of an image a container uses. Newest means the newest deployment when `createdAtOf`
 * knows the tag: image creation times are not enough (BuildKit gives every image whose layers
 * come from the cache the same creation second, and a cached rebuild tags one image twice).
 */
export function tagsToPrune(
  images: ImageInfo[],
  keep: number,
  protectedIds: ReadonlySet<string>,
  protectedTags: ReadonlySet<string>,
  repo: string,
  createdAtOf: (tag: string) => number | undefined = () => undefined,
): string[] {
  const entries = images.flatMap((image) =>
    image.tags.filter((t) => t.startsWith(`${repo}:`)).map((tag) => ({ tag, id: image.id, at: createdAtOf(tag) ?? image.created * 1000 })),
  );
  entries.sort((a, b) => b.at - a.at || a.tag.localeCompare(b.tag));
  const tagsLeft = new Map<string, number>();
  for (const image of images) tagsLeft.set(image.id, image.tags.length);
  const out: string[] = [];
  for (const e of entries.slice(keep)) {
    if (protectedTags.has(e.tag)) continue;
    if (protectedIds.has(e.id) && tagsLeft.get(e.id) === 1) continue;
    tagsLeft.set(e.id, (tagsLeft.get(e.id) ?? 1) - 1);
    out.push(e.tag);
  }
  return out;
}

/** Images the history may still need: the running deployment, the rollback target, anything not finished. */
export function protectedImages(history: Deployment[]): Set<string> {
  const keep = new Set<string>();
  const running = history.find((d) => d.status === 'running' && d.image);
  const rollbackTarget = history.find((d) => d.status === 'superseded' && d.image);
  for (const d of [running, rollbackTarget]) if (d?.image) keep.add(d.image);
  for (const d of history) if (d.image && ['queued', 'building', 'deploying'].includes(d.status)) keep.add(d.image);
  return keep;
}

export async function pruneImages(docker: Docker, app: string, keep: number, history: Deployment[]): Promise<string[]> {
  const repo = imageRepo(parseAppName(app));
  const listed = await docker.listImages({ filters: { reference: [repo] } });
  const images = listed.map((i) => ({ id: i.Id, created: i.Created, tags: i.RepoTags ?? [] }));
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_APP}=${app}`] } });
  const usedIds = new Set(containers.map((c) => c.ImageID));
  const usedTags = new Set([...containers.map((c) => c.Image), ...protectedImages(history)]);
  // A rolled-back image is as new as the newest deployment that used it.
  const createdAt = new Map<string, number>();
  for (const d of history) if (d.image) createdAt.set(d.image, Math.max(createdAt.get(d.image) ?? 0, d.createdAt));
  const removed: string[] = [];
  for (const tag of tagsToPrune(images, keep, usedIds, usedTags, repo, (t) => createdAt.get(t))) {
    // Docker refuses to remove an image a container uses; that refusal is the last safety net.
    if (
      await docker
        .getImage(tag)
        .remove()
        .then(
          () => true,
          () => false,
        )
    )
      removed.push(tag);
  }
  return removed;
}
