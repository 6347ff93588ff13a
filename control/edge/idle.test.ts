import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueForSleep, IdleTracker } from './idle.js';
import { backoffLeftMs } from './wake.js';
import { AWAKE, sleepMetrics } from './state.js';

describe('idle tracking', () => {
  it('counts an app idle from the start until a sample shows requests', () => {
    const t = new IdleTracker(1000);
    assert.equal(t.idleMs('a', 4000), 3000);
    t.seen('a', { requests: 0, total: 5 }, 4000);
    assert.equal(t.idleMs('a', 5000), 4000, 'a first total is a baseline, not activity');
    t.seen('a', { requests: 0, total: 6 }, 6000);
    assert.equal(t.idleMs('a', 7000), 1000, 'a total that moved is activity');
    t.seen('a', { requests: 2, total: 6 }, 8000);
    assert.equal(t.idleMs('a', 8500), 500);
    t.seen('a', { requests: 0, total: 6 }, 9000);
    assert.equal(t.idleMs('a', 10_000), 2000, 'an empty window is no activity');
  });
  it('restarts the idle period on touch and forgets apps', () => {
    const t = new IdleTracker(0);
    t.touch('a', 500);
    assert.equal(t.idleMs('a', 800), 300);
    t.forget('a');
    assert.equal(t.idleMs('a', 800), 800);
  });
  it('sleeps only apps with an idle time that has passed', () => {
    assert.equal(dueForSleep(0, 1e9), false);
    assert.equal(dueForSleep(2, 1999), false);
    assert.equal(dueForSleep(2, 2000), true);
  });
  it('backs off after a failed wake', () => {
    assert.equal(backoffLeftMs(AWAKE, 100, 30_000), 0);
    const failed = { ...AWAKE, lastWakeFailedAt: 1000 };
    assert.equal(backoffLeftMs(failed, 11_000, 30_000), 20_000);
    assert.equal(backoffLeftMs(failed, 31_000, 30_000), 0);
  });
  it('reports wakes with the last and the average cold start', () => {
    assert.deepEqual(sleepMetrics(AWAKE), {
      sleeping: false,
      wokeAt: null,
      wakes: 0,
      lastColdStartMs: null,
      averageColdStartMs: null,
      coldStarts: [],
    });
    const woken = {
      ...AWAKE,
      wakes: 3,
      wokeAt: 3,
      lastColdStartMs: 900,
      coldStarts: [
        { at: 1, ms: 600 },
        { at: 2, ms: 700 },
        { at: 3, ms: 901 },
      ],
    };
    assert.deepEqual(sleepMetrics(woken), {
      sleeping: false,
      wokeAt: 3,
      wakes: 3,
      lastColdStartMs: 900,
      averageColdStartMs: 734,
      coldStarts: woken.coldStarts,
    });
  });
});
