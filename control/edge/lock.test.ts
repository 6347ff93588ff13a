// The edge lock (one sleep or wake of an app at a time across control instances) on a real Redis,
// each instance played by a Redis client of its own: the lock is not waited for (a second holder
// gets null and its work does not run), it is per app, it is free again once the holder is done
// (or failed), a holder that died stops blocking when its lease runs out, a holder whose work
// outlasts the lease keeps the lock (it renews the lease) and stops renewing once done, a renewal
// that finds the lock taken by another leaves it alone and says so, and a holder that overran its
// lease does not release the lock someone else took since.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { edgeLockKey, withEdgeLock } from './lock.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A logger that keeps what is said at warn. */
function warnings(): { log: { warn(obj: object, msg: string): void }; said: { obj: object; msg: string }[] } {
  const said: { obj: object; msg: string }[] = [];
  return { log: { warn: (obj, msg) => void said.push({ obj, msg }) }, said };
}

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
    // A holder whose renewals did not get through in time (a stalled process): no renewal within the lease.
    const late = withEdgeLock(
      one,
      'app-e',
      LEASE_MS,
      async () => {
        await slow.opened;
        return 'late';
      },
      { renewEveryMs: 60_000 },
    );
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

  it('keeps the lock while the work runs three leases long, and frees it after', async () => {
    const LEASE_MS = 600;
    const { log, said } = warnings();
    const done = gate();
    let signal: AbortSignal | undefined;
    const long = withEdgeLock(
      one,
      'app-g',
      LEASE_MS,
      async (lost) => {
        signal = lost;
        await done.opened;
        return 'long';
      },
      { log },
    );
    const t0 = Date.now();
    let tries = 0;
    while (Date.now() - t0 < 3 * LEASE_MS) {
      await sleep(50);
      assert.equal(
        await withEdgeLock(two, 'app-g', 60_000, async () => 'stolen'),
        null,
        `the other instance got the lock ${Date.now() - t0} ms into a ${LEASE_MS} ms lease`,
      );
      tries++;
    }
    assert.ok(tries >= 10, `the other instance tried often (${tries})`);
    done.open();
    assert.equal(await long, 'long');
    assert.equal(signal?.aborted, false, 'the work was never told the lock was lost');
    assert.equal(await one.exists(edgeLockKey('app-g')), 0, 'the key is gone once the work is done');
    // Renewing stopped with the work: the next holder's lock is not touched, nothing is reported lost.
    const next = gate();
    const taken = withEdgeLock(two, 'app-g', 60_000, async () => {
      await next.opened;
      return 'next';
    });
    await sleep(LEASE_MS);
    assert.deepEqual(said, [], 'the holder said nothing after its work ended');
    next.open();
    assert.equal(await taken, 'next');
  });

  it('stops renewing when the work throws after outlasting the lease', async () => {
    const LEASE_MS = 600;
    const { log, said } = warnings();
    const failing = withEdgeLock(
      one,
      'app-h',
      LEASE_MS,
      async () => {
        await sleep(2 * LEASE_MS);
        throw new Error('wake failed late');
      },
      { log },
    );
    await sleep(1.5 * LEASE_MS);
    assert.equal(await withEdgeLock(two, 'app-h', 60_000, async () => 'stolen'), null, 'still held past the first lease');
    await assert.rejects(failing, /wake failed late/);
    assert.equal(await one.exists(edgeLockKey('app-h')), 0, 'the key is gone after the failure');
    const next = gate();
    const taken = withEdgeLock(two, 'app-h', 60_000, async () => {
      await next.opened;
      return 'next';
    });
    await sleep(LEASE_MS);
    assert.equal((await two.pttl(edgeLockKey('app-h'))) > 55_000, true, 'the next holder’s lease was not cut to the old one’s');
    assert.deepEqual(said, [], 'no renewal ran after the failure');
    next.open();
    assert.equal(await taken, 'next');
  });

  it('does not extend a lock another instance took over, and tells the work and the log', async () => {
    const LEASE_MS = 600;
    const RENEW_MS = 100;
    const { log, said } = warnings();
    const done = gate();
    let signal: AbortSignal | undefined;
    const robbed = withEdgeLock(
      one,
      'app-i',
      LEASE_MS,
      async (lost) => {
        signal = lost;
        await done.opened;
        return 'robbed';
      },
      { log, renewEveryMs: RENEW_MS },
    );
    await sleep(3 * RENEW_MS);
    assert.equal(signal?.aborted, false, 'not lost while renewals succeed');
    // The other instance overwrites the key with its own token and a lease of its own.
    const THIEF_LEASE_MS = 1000;
    await two.set(edgeLockKey('app-i'), 'the-other', 'PX', THIEF_LEASE_MS);
    await sleep(2 * RENEW_MS);
    assert.equal(await two.get(edgeLockKey('app-i')), 'the-other', 'the renewal did not write its token back');
    await sleep(THIEF_LEASE_MS);
    // A renewer that extended any key would have kept it alive at our lease all this time.
    assert.equal(await two.exists(edgeLockKey('app-i')), 0, 'the other’s lock expired on its own lease: never extended');
    assert.equal(signal?.aborted, true, 'the work was told the lock was lost');
    assert.equal(said.length, 1, `said once at warn: ${JSON.stringify(said)}`);
    assert.match(said[0]!.msg, /edge lock lost/);
    assert.equal((said[0]!.obj as { app?: string }).app, 'app-i');
    done.open();
    assert.equal(await robbed, 'robbed');
  });

  it('runs the work at once without Redis (a single instance)', async () => {
    assert.equal(await withEdgeLock(null, 'app-f', 1000, async () => 'alone'), 'alone');
  });
});
