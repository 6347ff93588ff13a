// Brute-force protection for login: attempts are counted per account and per client address
// (in Redis when configured, so several control instances share the count; in memory
// otherwise, and as the fallback while Redis is down). A point is taken atomically before the
// password is checked, so a burst of parallel attempts gets no more checks than the limit.
// Past the limit every attempt — right password or not — gets 429 until the window passes; a
// success gives the points back, so correct logins never use up an account's or address's
// attempts.
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
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

  /** `prefix` keeps other guarded attempts (password resets, second factors) in counts of their own. */
  constructor(redis: Redis | null, limits: LoginLimits = DEFAULT_LOGIN_LIMITS, prefix = 'login') {
    this.account = limiter(redis, `${prefix}-account`, limits.perAccount, limits.windowSeconds);
    this.address = limiter(redis, `${prefix}-address`, limits.perAddress, limits.windowSeconds);
  }

  /**
   * Takes one attempt from the account, then from the address, or throws DF_ERR_RATE_LIMITED
   * when either has none left. consume() counts and answers in one step, so parallel requests
   * cannot all pass a read of the same count.
   */
  async consume(address: string, email: string): Promise<void> {
    // One after the other, so an attempt refused for its account never reaches (and uses up)
    // the address; an attempt refused for its address gives the account its point back.
    await this.take(this.account, email);
    try {
      await this.take(this.address, address);
    } catch (err) {
      await this.account.reward(email).catch(() => undefined);
      throw err;
    }
  }

  private async take(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (err) {
      // Anything but a RateLimiterRes is the store failing with no fallback left: not the client's fault.
      if (!(err instanceof RateLimiterRes)) throw err;
      throw new DeployFlowError('DF_ERR_RATE_LIMITED', undefined, { retryAfterSeconds: Math.ceil(err.msBeforeNext / 1000) });
    }
  }

  /** The password was right: the failures before it and this attempt's points no longer count. */
  async recordSuccess(address: string, email: string): Promise<void> {
    await Promise.allSettled([this.account.delete(email), this.address.reward(address)]);
  }
}
