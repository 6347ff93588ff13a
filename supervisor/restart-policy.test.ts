import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRestart, DEFAULT_RESTART_POLICY as P } from './restart-policy.js';

void test('a process that ran long enough is restarted at once and its crash count starts over', () => {
  assert.deepEqual(decideRestart(P, 60_000, 3), { action: 'restart', delayMs: 250, fastCrashes: 0 });
  assert.deepEqual(decideRestart(P, P.fastCrashMs, 4), { action: 'restart', delayMs: 250, fastCrashes: 0 });
});

void test('fast crashes in a row back off, doubling, then the supervisor gives up', () => {
  const delays: number[] = [];
  let crashes = 0;
  for (;;) {
    const d = decideRestart(P, 500, crashes);
    if (d.action === 'give-up') {
      assert.equal(d.fastCrashes, P.maxFastCrashes);
      break;
    }
    delays.push(d.delayMs);
    crashes = d.fastCrashes;
  }
  assert.deepEqual(delays, [250, 500, 1000, 2000]);
});

void test('the delay never exceeds the maximum', () => {
  const d = decideRestart({ ...P, maxFastCrashes: 100 }, 0, 40);
  assert.deepEqual(d, { action: 'restart', delayMs: P.maxDelayMs, fastCrashes: 41 });
});
