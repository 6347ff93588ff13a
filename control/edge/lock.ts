// One edge transition (sleep or wake) of an app at a time across every control instance: a Redis
// lock (SET NX PX) with a random token, released only by its holder. Within one instance the
// app's deploy queue already serialises; the lock keeps two instances from both waking an app.
// The lease is renewed while the work runs (a wake can outlast it: health waits, converge), so
// only a holder that died — or stalled past its lease — stops blocking, once the lease runs out.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The Redis key of an app's edge lock. */
export const edgeLockKey = (app: string): string => `deployflow:edge:lock:${app}`;

// Deletes the key only if it still holds our token (an expired lock may belong to someone else now).
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
// Gives the key a full lease again, only if it still holds our token: 1 renewed, 0 lost.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export interface EdgeLockOptions {
  /** Where a lost lock (or a failed renewal) is said, at warn. */
  log?: { warn(obj: object, msg: string): void };
  /** How often the holder renews its lease; a third of the lease unless given (tests). */
  renewEveryMs?: number;
}

/**
 * Runs `fn` holding the app's edge lock; resolves to null without running it when another holder
 * has it. The lease (`ttlMs`) is renewed every `renewEveryMs` while `fn` runs; if a renewal finds
 * the lock gone or someone else's, it is logged and the signal given to `fn` is aborted.
 */
export async function withEdgeLock<T>(
  redis: Redis | null,
  app: string,
  ttlMs: number,
  fn: (lost: AbortSignal) => Promise<T>,
  options: EdgeLockOptions = {},
): Promise<T | null> {
  const lost = new AbortController();
  if (!redis) return fn(lost.signal);
  const key = edgeLockKey(app);
  const token = randomUUID();
  const got = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (got !== 'OK') return null;
  const renewal = keepRenewing(redis, app, key, token, ttlMs, options, lost);
  try {
    return await fn(lost.signal);
  } finally {
    renewal.stop();
    await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}

function keepRenewing(
  redis: Redis,
  app: string,
  key: string,
  token: string,
  ttlMs: number,
  options: EdgeLockOptions,
  lost: AbortController,
): { stop(): void } {
  const every = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // When the lease was last known to be ours in full (taken or renewed): Redis unreachable for a
  // whole lease from then means the lock may have expired and been taken.
  let confirmedAt = Date.now();
  const giveUp = (reason: string, err?: unknown): void => {
    stopped = true;
    options.log?.warn({ app, leaseMs: ttlMs, ...(err === undefined ? {} : { err }) }, `edge lock lost: ${reason}`);
    lost.abort(new Error(`the edge lock of ${app} was lost: ${reason}`));
  };
  const renew = async (): Promise<void> => {
    const startedAt = Date.now();
    try {
      const renewed = await redis.eval(RENEW, 1, key, token, String(ttlMs));
      if (stopped) return; // the work ended meanwhile (the release may have deleted the key)
      if (renewed !== 1) return giveUp('the key expired or another holder has it');
      confirmedAt = startedAt;
    } catch (err) {
      if (stopped) return;
      if (Date.now() - confirmedAt >= ttlMs) return giveUp('no renewal got through within the lease', err);
      options.log?.warn({ err, app }, 'renewing the edge lock failed; trying again');
    }
    schedule();
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void renew(), every);
    timer.unref(); // a holder whose work never ends must not keep the process alive
  };
  schedule();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
