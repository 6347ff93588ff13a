// Image retention: after each successful release an app keeps its newest N images, plus every
// image a container (running or not) or a deployment that may still be released uses — the
// running one, the rollback target, queued ones. The choice is pure; removal is by tag, so an
// image tagged twice (a cached rebuild) just loses the surplus tag.
import type Docker from 'dockerode';
import { LABEL_APP } from '../../builder/index.js';
import { imageRepo } from '../../builder/docker/names.js';
import { parseAppName } from '../../common/names/validate.js';
import type { Deployment } from '../store/types.js';

export interface ImageInfo { id: string; created: number; tags: string[] }

/** Tags to remove: images beyond the newest `keep`, minus protected ids and tags. */
export function tagsToPrune(images: ImageInfo[], keep: number, protectedIds: ReadonlySet<string>, protectedTags: ReadonlySet<string>, repo: string): string[] {
  const sorted = [...images].sort((a, b) => b.created - a.created || a.id.localeCompare(b.id));
  const out: string[] = [];
  for (const image of sorted.slice(keep)) {
    if (protectedIds.has(image.id) || image.tags.some((t) => protectedTags.has(t))) continue;
    out.push(...image.tags.filter((t) => t.startsWith(`${repo}:`)));
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
  const removed: string[] = [];
  for (const tag of tagsToPrune(images, keep, usedIds, usedTags, repo)) {
    // Docker refuses to remove an image a container uses; that refusal is the last safety net.
    if (await docker.getImage(tag).remove().then(() => true, () => false)) removed.push(tag);
  }
  return removed;
}
