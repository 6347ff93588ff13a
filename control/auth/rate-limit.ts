// Brute-force protection for login: failures are counted per account and per client address
// (in Redis when configured, so several control instances share the count; in memory
// otherwise, and as the fallback while Redis is down). Past the limit every attempt — right
// password or not — gets 429 until the window passes; a success clears the account's count.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DeployFlowError } from '../../common/errors/catalogue.js';

export interface LoginLimits {
  perAccount: number;
  perAddress: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 10, perAddress: 50, windowSeconds: 15 * 60 };

function limiter(redis: Redis | null, prefix: string, points: number, duration: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix: prefix, points, duration });
  if (!redis) return memory;
  return new RateLimiterRedis({ storeClient: redis, keyPrefix: `deployflow:${prefix}`, points, duration, insuranceLimiter: memory });
}

export class LoginLimiter {
  private readonly account: RateLimiterAbstract;
  private readonly address: RateLimiterAbstract;

  constructor(redis: Redis | null, private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.account = limiter(redis, 'login-account', limits.perAccount, limits.windowSeconds);
    this.address = limiter(redis, 'login-address', limits.perAddress, limits.windowSeconds);
  }

  /** Throws DF_ERR_RATE_LIMITED when this account or address has used up its attempts. */
  async check(address: string, email: string): Promise<void> {
    const [byAccount, byAddress] = await Promise.all([this.account.get(email), this.address.get(address)]);
    const blocked = [
      byAccount && byAccount.consumedPoints >= this.limits.perAccount ? byAccount : null,
      byAddress && byAddress.consumedPoints >= this.limits.perAddress ? byAddress : null,
    ].filter((r) => r !== null);
    if (blocked.length > 0) {
      const ms = Math.max(...blocked.map((r) => r.msBeforeNext));
      throw new DeployFlowError('DF_ERR_RATE_LIMITED', undefined, { retryAfterSeconds: Math.ceil(ms / 1000) });
    }
  }

  async recordFailure(address: string, email: string): Promise<void> {
    // consume() rejects once the limit is passed; that is the state check() reports next time.
    await Promise.allSettled([this.account.consume(email), this.address.consume(address)]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.account.delete(email).catch(() => undefined);
  }
}
