// One-time login codes: the callback hands the browser a code (in a cookie), never a token, and
// the dashboard trades it once for a session. Only the code's SHA-256 is kept, mapped to the
// user id, for 60 seconds. In memory for a single instance; in Redis (GETDEL: read and spend
// atomically) when control runs as several instances.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DeployFlowError } from '../../../common/errors/catalogue.js';
import { sha256 } from '../tokens.js';

export const CODE_TTL_MS = 60 * 1000;
const REDIS_PREFIX = 'deployflow:google-login:';

export interface ExchangeCodes {
  issue(userId: string): Promise<string>;
  /** The user id the code was issued for, or null when it is unknown, used or expired. */
  redeem(code: string): Promise<string | null>;
}

function newCode(): string {
  return randomBytes(32).toString('base64url');
}

export class MemoryExchangeCodes implements ExchangeCodes {
  private readonly codes = new Map<string, { userId: string; expiresAt: number }>();

  constructor(private readonly clock: () => number) {}

  async issue(userId: string): Promise<string> {
    const now = this.clock();
    for (const [hash, entry] of this.codes) if (entry.expiresAt <= now) this.codes.delete(hash);
    const code = newCode();
    this.codes.set(sha256(code), { userId, expiresAt: now + CODE_TTL_MS });
    return code;
  }

  async redeem(code: string): Promise<string | null> {
    const hash = sha256(code);
    const entry = this.codes.get(hash);
    this.codes.delete(hash);
    return entry && entry.expiresAt > this.clock() ? entry.userId : null;
  }
}

export class RedisExchangeCodes implements ExchangeCodes {
  constructor(private readonly redis: Redis) {}

  async issue(userId: string): Promise<string> {
    const code = newCode();
    try {
      await this.redis.set(REDIS_PREFIX + sha256(code), userId, 'PX', CODE_TTL_MS);
    } catch {
      throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Redis is unavailable; Google login cannot complete');
    }
    return code;
  }

  async redeem(code: string): Promise<string | null> {
    try {
      return await this.redis.getdel(REDIS_PREFIX + sha256(code));
    } catch {
      throw new DeployFlowError('DF_ERR_UNAVAILABLE', 'Redis is unavailable; Google login cannot complete');
    }
  }
}
