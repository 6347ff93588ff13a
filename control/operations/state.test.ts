import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../store/types.js';
import { appState, runningDeployment } from './state.js';

const d = (status: Deployment['status'], id: string = status): Deployment => ({
  id,
  app: 'web',
  status,
  commit: null,
  ref: null,
  image: `deployflow/web:${id}`,
  source: 'git',
  createdBy: null,
  createdAt: 0,
  finishedAt: null,
  error: null,
  errorCode: null,
});

describe('app state', () => {
  it('is new before any deployment', () => assert.equal(appState([], false, 1), 'new'));
  it('is deploying while one is queued, building or deploying', () => {
    for (const s of ['queued', 'building', 'deploying'] as const) assert.equal(appState([d(s), d('running')], false, 1), 'deploying');
  });
  it('is running with a running deployment', () => assert.equal(appState([d('running'), d('superseded')], false, 1), 'running'));
  it('is stopped when stopped or scaled to zero', () => {
    assert.equal(appState([d('running')], true, 1), 'stopped');
    assert.equal(appState([d('running')], false, 0), 'stopped');
  });
  it('is sleeping when scaled to zero, unless stopped', () => {
    assert.equal(appState([d('running')], false, 1, true), 'sleeping');
    assert.equal(appState([d('running')], true, 1, true), 'stopped');
  });
  it('is failed when nothing ever came up', () => assert.equal(appState([d('failed')], false, 1), 'failed'));
  it('stays running after a failed redeploy (the old version serves)', () =>
    assert.equal(appState([d('failed'), d('running')], false, 1), 'running'));
  it('finds the running deployment', () => assert.equal(runningDeployment([d('failed'), d('running', 'x')])?.id, 'x'));
});
