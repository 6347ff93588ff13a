// One edge transition (sleep or wake) of an app at a time across every control instance: a Redis
// lock (SET NX PX) with a random token, released only by its holder. Within one instance the
// app's deploy queue already serialises; the lock keeps two instances from both waking an app.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const lockKey = (app: string): string => `deployflow:edge:lock:${app}`;

// Deletes the key only if it still holds our token (an expired lock may belong to someone else now).
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Runs `fn` holding the app's edge lock; resolves to null without running it when another holder has it. */
export async function withEdgeLock<T>(redis: Redis | null, app: string, ttlMs: number, fn: () => Promise<T>): Promise<T | null> {
  if (!redis) return fn();
  const token = randomUUID();
  const got = await redis.set(lockKey(app), token, 'PX', ttlMs, 'NX');
  if (got !== 'OK') return null;
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, lockKey(app), token).catch(() => undefined);
  }
}
