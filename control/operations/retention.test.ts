import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../store/types.js';
import { protectedImages, tagsToPrune } from './retention.js';

const repo = 'deployflow/web';
const img = (n: number, extraTags: string[] = []) => ({ id: `sha256:${n}`, created: n, tags: [`${repo}:d${n}`, ...extraTags] });
const dep = (id: string, status: Deployment['status']): Deployment => ({
  id, app: 'web', status, commit: null, ref: null, image: `${repo}:${id}`, source: 'git', createdBy: null, createdAt: 0, finishedAt: null, error: null,
});

describe('image retention', () => {
  const images = [1, 2, 3, 4, 5, 6, 7].map((n) => img(n));
  it('keeps the newest N', () => {
    assert.deepEqual(tagsToPrune(images, 5, new Set(), new Set(), repo), [`${repo}:d2`, `${repo}:d1`]);
  });
  it('never removes an image a container or a protected deployment uses', () => {
    assert.deepEqual(tagsToPrune(images, 5, new Set(['sha256:1']), new Set([`${repo}:d2`]), repo), []);
  });
  it('removes only tags of the app repository', () => {
    assert.deepEqual(tagsToPrune([img(2), img(1, ['other/x:1'])], 1, new Set(), new Set(), repo), [`${repo}:d1`]);
  });
  it('protects the running image, the rollback target and unfinished deploys', () => {
    const history = [dep('d9', 'queued'), dep('d8', 'failed'), dep('d7', 'running'), dep('d6', 'superseded'), dep('d5', 'superseded')];
    assert.deepEqual([...protectedImages(history)].sort(), [`${repo}:d6`, `${repo}:d7`, `${repo}:d9`]);
  });
});
