import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../store/types.js';
import { protectedImages, tagsToPrune } from './retention.js';

const repo = 'deployflow/web';
const img = (n: number, extraTags: string[] = []) => ({ id: `sha256:${n}`, created: n, tags: [`${repo}:d${n}`, ...extraTags] });
const dep = (id: string, status: Deployment['status']): Deployment => ({
  id,
  app: 'web',
  status,
  commit: null,
  ref: null,
  image: `${repo}:${id}`,
  source: 'git',
  createdBy: null,
  createdAt: 0,
  finishedAt: null,
  error: null,
  errorCode: null,
});

describe('image retention', () => {
  const images = [1, 2, 3, 4, 5, 6, 7].map((n) => img(n));
  it('keeps the newest N', () => {
    assert.deepEqual(tagsToPrune(images, 5, new Set(), new Set(), repo), [`${repo}:d2`, `${repo}:d1`]);
  });
  it('never removes an image a container or a protected deployment uses', () => {
    assert.deepEqual(tagsToPrune(images, 5, new Set(['sha256:1']), new Set([`${repo}:d2`]), repo), []);
  });
  it('orders by deployment when images share a creation time, and trims surplus tags of one image', () => {
    // BuildKit: every image whose layers came from the cache has the same creation second.
    const same = [1, 2, 3, 4].map((n) => ({ id: `sha256:${n}`, created: 100, tags: [`${repo}:d${n}`] }));
    const deployedAt = (t: string): number | undefined => Number(t.slice(-1)) * 1000 + 1_000_000;
    assert.deepEqual(tagsToPrune(same, 2, new Set(), new Set(), repo, deployedAt), [`${repo}:d2`, `${repo}:d1`]);
    // A cached rebuild: one image, a tag per deployment; a container uses it, so one tag stays.
    const once = [{ id: 'sha256:x', created: 100, tags: [1, 2, 3, 4].map((n) => `${repo}:d${n}`) }];
    assert.deepEqual(tagsToPrune(once, 2, new Set(['sha256:x']), new Set(), repo, deployedAt), [`${repo}:d2`, `${repo}:d1`]);
    assert.deepEqual(tagsToPrune(once, 0, new Set(['sha256:x']), new Set(), repo, deployedAt), [`${repo}:d4`, `${repo}:d3`, `${repo}:d2`]);
  });
  it('removes only tags of the app repository', () => {
    assert.deepEqual(tagsToPrune([img(2), img(1, ['other/x:1'])], 1, new Set(), new Set(), repo), [`${repo}:d1`]);
  });
  it('protects the running image, the rollback target and unfinished deploys', () => {
    const history = [dep('d9', 'queued'), dep('d8', 'failed'), dep('d7', 'running'), dep('d6', 'superseded'), dep('d5', 'superseded')];
    assert.deepEqual([...protectedImages(history)].sort(), [`${repo}:d6`, `${repo}:d7`, `${repo}:d9`]);
  });
});
