// A mutual-exclusion lock in Redis with fencing tokens, for work that several processes (control
// instances, a standalone git service) may start on the same app. Taking the lock draws a new
// token from a counter that only grows and stores it as the lock's value with a time to live; the
// holder renews it while it works and deletes it (only if it still holds it) when done. A holder
// that dies (SIGKILL, a lost machine) loses it when the time to live runs out.
//
// A lease alone cannot stop a holder that was paused past its expiry (a long GC, a stopped
// process) from writing after someone else took the lock, so the writes it guards carry the
// token and the writer checks it atomically against the lock's current value (see
// common/routes/scripts.ts): a stale holder's write is refused, not applied. Redlock does not fit
// here: with one Redis its quorum adds nothing, and it has no monotonic fencing token.
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { fenceCounterKey, lockKey } from './keys.js';
import { keepRenewed } from './renewal.js';

/** What a guarded write presents: the lock's key and the token it was taken with. */
export interface Fence {
  key: string;
  token: string;
}

// KEYS: lock, counter. ARGV: ttl ms. Returns the new token, or 0 when the lock is held.
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token`;
// KEYS: lock. ARGV: token, ttl ms. 1 while the token still holds the lock.
const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

export interface FencedLockOptions {
  /** Time to live of a holder that stops renewing (crashed); 15 s by default. */
  ttlMs?: number;
  /** Pause between attempts while another holder has the lock. */
  retryMs?: number;
  /** Told when a holder found its lock gone while it still worked (its guarded writes will be refused). */
  onLost?: (name: string, fence: Fence) => void;
}

export class FencedLocks {
  private readonly ttlMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: FencedLockOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 15_000;
    this.retryMs = opts.retryMs ?? 50;
  }

  /** One attempt: the fence when the lock was free, null when someone holds it. */
  async tryAcquire(name: string): Promise<Fence | null> {
    const token = Number(await this.redis.eval(ACQUIRE, 2, lockKey(name), fenceCounterKey(name), this.ttlMs));
    return token > 0 ? { key: lockKey(name), token: String(token) } : null;
  }

  /** Waits for the lock (polling), runs `fn` with its fence while renewing it, then releases it. */
  async run<T>(name: string, fn: (fence: Fence) => Promise<T>): Promise<T> {
    let fence = await this.tryAcquire(name);
    while (!fence) {
      await delay(this.retryMs);
      fence = await this.tryAcquire(name);
    }
    const held = fence;
    const renewal = keepRenewed(
      this.ttlMs,
      () => this.renew(held),
      () => this.opts.onLost?.(name, held),
    );
    try {
      return await fn(held);
    } finally {
      renewal.stop();
      await this.release(held).catch(() => undefined); // it expires on its own
    }
  }

  async renew(fence: Fence): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, fence.key, fence.token, this.ttlMs)) === 1;
  }

  async release(fence: Fence): Promise<void> {
    await this.redis.eval(RELEASE, 1, fence.key, fence.token);
  }
}
