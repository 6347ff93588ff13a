import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Autoscale } from '../store/types.js';
import { decide, fitQuota, type DecisionInput, type LoadSample } from './decide.js';

const timings = { windowMs: 60_000, panicWindowMs: 6_000, cooldownMs: 30_000 };
const rps = (minReplicas: number, maxReplicas: number, target: number): Autoscale => ({
  minReplicas,
  maxReplicas,
  target: { rps: target },
});

/** One sample every 2 s ending at `now`, with the load `load(t)` (t = seconds before now). */
function series(now: number, seconds: number, load: (secondsAgo: number) => number): LoadSample[] {
  const out: LoadSample[] = [];
  for (let ago = seconds; ago >= 0; ago -= 2) out.push({ at: now - ago * 1000, rps: load(ago), inflight: 0 });
  return out;
}

const NOW = 1_000_000;
const input = (over: Partial<DecisionInput>): DecisionInput => ({
  settings: rps(1, 5, 40),
  current: 1,
  samples: [],
  now: NOW,
  lastChangeAt: null,
  timings,
  ...over,
});

describe('autoscale decision', () => {
  it('scales up at once on a busy short window, with the reason in words', () => {
    // Calm for a minute, then 118 req/s in the last 6 s: the long average alone would not ask.
    const samples = series(NOW, 60, (ago) => (ago <= 4 ? 118 : 0));
    const d = decide(input({ samples }));
    assert.equal(d.direction, 'up');
    assert.equal(d.desired, 3);
    assert.equal(d.mode, 'panic');
    assert.equal(d.reason, '118 req/s for 6 s, target 40 per replica');
  });

  it('scales up even within the cool-down of the last change', () => {
    const d = decide(input({ current: 2, samples: series(NOW, 10, () => 150), lastChangeAt: NOW - 2_000 }));
    assert.deepEqual([d.direction, d.desired], ['up', 4]);
  });

  it('scales down only after the cool-down, and only when the whole long window was calm', () => {
    const busyUntil20sAgo = series(NOW, 60, (ago) => (ago >= 20 ? 100 : 5));
    assert.equal(
      decide(input({ current: 3, samples: busyUntil20sAgo })).direction,
      'hold',
      'a busy sample in the window keeps the replicas',
    );
    const calm = series(NOW, 60, () => 5);
    assert.equal(decide(input({ current: 3, samples: calm, lastChangeAt: NOW - 10_000 })).direction, 'hold', 'cooling down');
    const d = decide(input({ current: 3, samples: calm, lastChangeAt: NOW - 31_000 }));
    assert.deepEqual([d.direction, d.desired, d.reason], ['down', 1, 'at most 5 req/s for 60 s, target 40 per replica']);
  });

  it('does not flap on load that wobbles around the target', () => {
    // 30 ↔ 90 req/s, 4 s each, for four minutes, target 40: the short window averages ~60 (2 replicas),
    // and the long window's 90 req/s peaks keep them — never back to 1 in a lull.
    let current = 1;
    let lastChangeAt: number | null = null;
    const changes: number[] = [];
    for (let t = 0; t <= 240_000; t += 2_000) {
      const now = NOW + t;
      const samples = series(now, Math.min(60, t / 1000), (ago) => (Math.floor((t / 1000 - ago) / 4) % 2 === 0 ? 30 : 90));
      const d = decide(input({ current, samples, now, lastChangeAt }));
      if (d.desired !== current) {
        changes.push(d.desired);
        current = d.desired;
        lastChangeAt = now;
      }
    }
    assert.deepEqual(changes, [2], 'one step up, then steady');
  });

  it('does not scale down on a short lull after a gap in the figures', () => {
    const d = decide(input({ current: 3, samples: series(NOW, 10, () => 0) }));
    assert.equal(d.direction, 'hold');
    assert.match(d.reason, /waiting for 60 s of figures/);
  });

  it('holds without figures: a silent gateway is not an idle app', () => {
    const d = decide(input({ current: 3, samples: series(NOW - 30_000, 20, () => 0) }));
    assert.deepEqual([d.direction, d.desired], ['hold', 3]);
  });

  it('keeps within the bounds, and never goes below one replica itself', () => {
    assert.deepEqual(decide(input({ settings: rps(1, 3, 10), samples: series(NOW, 10, () => 1000) })).desired, 3);
    const idle = series(NOW, 60, () => 0);
    assert.equal(decide(input({ settings: rps(0, 3, 10), current: 2, samples: idle })).desired, 1, 'minReplicas 0 stops at 1');
    assert.equal(decide(input({ settings: rps(2, 4, 10), current: 1, samples: [] })).desired, 2, 'below the minimum: up at once');
    const over = decide(input({ settings: rps(1, 2, 10), current: 5, samples: [] }));
    assert.deepEqual([over.desired, over.reason], [2, 'above the maximum of 2 replicas']);
  });

  it('scales on requests in flight when that is the target', () => {
    const samples = series(NOW, 10, () => 0).map((s) => ({ ...s, inflight: 25 }));
    const d = decide(input({ settings: { minReplicas: 1, maxReplicas: 10, target: { inflight: 10 } }, samples }));
    assert.deepEqual([d.desired, d.reason], [3, '25 in flight for 6 s, target 10 per replica']);
  });
});

describe('autoscale within the quota', () => {
  const limits = { replicas: 10, memoryMb: 4096 };
  it('takes what fits and says which limit stopped the rest', () => {
    // The owner's other apps run 7 replicas: this one may grow from 1 to 3, not to 5.
    const fit = fitQuota(5, 1, 256, { replicas: 7, memoryMb: 7 * 256 }, limits);
    assert.equal(fit.replicas, 3);
    assert.match(fit.refusal ?? '', /^Replica quota exceeded/);
  });

  it('refuses outright when not one more replica fits (memory too)', () => {
    const fit = fitQuota(2, 1, 1024, { replicas: 3, memoryMb: 3 * 1024 }, limits);
    assert.deepEqual([fit.replicas, fit.refusal?.startsWith('Memory quota exceeded')], [1, true]);
  });

  it('never refuses going down', () => {
    assert.deepEqual(fitQuota(1, 4, 1024, { replicas: 30, memoryMb: 1e6 }, limits), { replicas: 1, refusal: null });
  });
});
