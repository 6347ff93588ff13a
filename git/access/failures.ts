// Brute-force protection for git over HTTP: every request carries the token, so guessing one
// costs nothing unless failures are counted. Per client address, in memory (the git service is
// one process); past the limit every request from that address gets 429 until the window ends.
// HTTP takes a point before the token is looked up and gives it back when the token is good (or
// none was sent), so parallel guesses get no more lookups than the limit; SSH counts connections
// that end without signing in.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface AuthFailureLimits {
  points: number;
  windowSeconds: number;
}

export const DEFAULT_GIT_AUTH_LIMITS: AuthFailureLimits = { points: 30, windowSeconds: 15 * 60 };

export class AuthFailures {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly limits: AuthFailureLimits = DEFAULT_GIT_AUTH_LIMITS) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'git-auth', points: limits.points, duration: limits.windowSeconds });
  }

  /** Takes one attempt for `address`: 0 when it may go on, else the seconds until it may try again. */
  async take(address: string): Promise<number> {
    try {
      await this.limiter.consume(address);
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw err;
    }
  }

  /** The attempt was no guess (a good token, or none sent yet): it does not count. */
  async giveBack(address: string): Promise<void> {
    await this.limiter.reward(address).catch(() => undefined);
  }

  /** Seconds until this address may try again, or 0 when it may try now. */
  async blockedFor(address: string): Promise<number> {
    const res = await this.limiter.get(address);
    return res && res.consumedPoints >= this.limits.points ? Math.ceil(res.msBeforeNext / 1000) : 0;
  }

  async record(address: string): Promise<void> {
    await this.limiter.consume(address).catch(() => undefined);
  }
}
