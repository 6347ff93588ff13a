// The live instances of a service: each one announces itself (an opaque string, e.g. its
// address) with an expiry, renewed on a heartbeat; an instance that dies drops out when its
// expiry passes. Times come from Redis's clock, so instances on machines whose clocks differ agree.
import type { Redis } from 'ioredis';
import { membersKey } from './keys.js';

// KEYS: members. ARGV: member ('' only reads), ttl ms. Returns the live members.
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) end
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

export class Members {
  constructor(
    private readonly redis: Redis,
    private readonly group: string,
    private readonly ttlMs = 15_000,
  ) {}

  /** Announces (or renews) `member`; resolves to every live member, sorted. */
  async beat(member: string): Promise<string[]> {
    return (await this.redis.eval(BEAT, 1, membersKey(this.group), member, this.ttlMs)) as string[];
  }

  async live(): Promise<string[]> {
    return this.beat('');
  }

  async leave(member: string): Promise<void> {
    await this.redis.zrem(membersKey(this.group), member);
  }
}
