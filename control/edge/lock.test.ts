// The edge lock (one sleep or wake of an app at a time across control instances) on a real Redis,
// each instance played by a Redis client of its own: the lock is not waited for (a second holder
// gets null and its work does not run), it is per app, it is free again once the holder is done
// (or failed), a holder that died stops blocking when its lease runs out, and a holder that
// overran its lease does not release the lock someone else took since.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { withEdgeLock } from './lock.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise with its resolve outside. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('edge lock across control instances', () => {
  let redis: TestRedis;
  let one: Redis;
  let two: Redis;

  before(async () => {
    redis = await startRedis();
    one = new Redis(redis.url);
    two = new Redis(redis.url);
  });
  after(async () => {
    one.disconnect();
    two.disconnect();
    await redis.stop();
  });

  it('lets one holder at a time run for an app, others per app, and frees it when done', async () => {
    const held = gate();
    let firstRan = false;
    const first = withEdgeLock(one, 'app-a', 60_000, async () => {
      firstRan = true;
      await held.opened;
      return 'first';
    });
    await sleep(100);
    assert.equal(firstRan, true);

    let secondRan = false;
    const second = await withEdgeLock(two, 'app-a', 60_000, async () => {
      secondRan = true;
      return 'second';
    });
    assert.equal(second, null, 'the other instance does not get the lock');
    assert.equal(secondRan, false, 'and its work does not run');
    assert.equal(await withEdgeLock(one, 'app-a', 60_000, async () => 'again'), null, 'the lock is not re-entrant either');
    assert.equal(await withEdgeLock(two, 'app-b', 60_000, async () => 'other app'), 'other app', 'another app is not blocked');

    held.open();
    assert.equal(await first, 'first');
    assert.equal(await withEdgeLock(two, 'app-a', 60_000, async () => 'second'), 'second', 'free once the holder is done');
  });

  it('frees the lock when the work fails', async () => {
    await assert.rejects(
      withEdgeLock(one, 'app-c', 60_000, async () => {
        throw new Error('wake failed');
      }),
      /wake failed/,
    );
    assert.equal(await withEdgeLock(two, 'app-c', 60_000, async () => 'next'), 'next');
  });

  it('stops blocking once a dead holder’s lease has run out', async () => {
    const LEASE_MS = 800;
    const dead = new Redis(redis.url);
    // This instance takes the lock and dies in the middle of its work: it never releases it.
    void withEdgeLock(dead, 'app-d', LEASE_MS, () => new Promise<never>(() => undefined));
    await sleep(50);
    const t0 = Date.now();
    dead.disconnect();
    assert.equal(await withEdgeLock(two, 'app-d', 60_000, async () => 'early'), null, 'held while the lease lasts');
    let got: string | null = null;
    while (got === null && Date.now() - t0 < LEASE_MS + 5000) {
      got = await withEdgeLock(two, 'app-d', 60_000, async () => 'after the lease');
      if (got === null) await sleep(50);
    }
    assert.equal(got, 'after the lease', 'the lock came free');
    assert.ok(Date.now() - t0 < LEASE_MS + 2000, `soon after the lease ran out (${Date.now() - t0} ms)`);
  });

  it('does not let a holder that overran its lease release the next holder’s lock', async () => {
    const LEASE_MS = 300;
    const slow = gate();
    const late = withEdgeLock(one, 'app-e', LEASE_MS, async () => {
      await slow.opened;
      return 'late';
    });
    await sleep(LEASE_MS + 200);
    const next = gate();
    let nextRan = false;
    const taken = withEdgeLock(two, 'app-e', 60_000, async () => {
      nextRan = true;
      await next.opened;
      return 'next';
    });
    await sleep(100);
    assert.equal(nextRan, true, 'the expired lease was taken over');
    slow.open();
    assert.equal(await late, 'late');
    assert.equal(await withEdgeLock(one, 'app-e', 60_000, async () => 'third'), null, 'the late release left the new holder’s lock alone');
    next.open();
    assert.equal(await taken, 'next');
    assert.equal(await withEdgeLock(one, 'app-e', 60_000, async () => 'third'), 'third');
  });

  it('runs the work at once without Redis (a single instance)', async () => {
    assert.equal(await withEdgeLock(null, 'app-f', 1000, async () => 'alone'), 'alone');
  });
});
