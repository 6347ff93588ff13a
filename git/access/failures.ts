// Brute-force protection for git over HTTP: every request carries the token, so guessing one
// costs nothing unless failures are counted. Per client address, in memory (the git service is
// one process); past the limit every request from that address gets 429 until the window ends.
import { RateLimiterMemory } from 'rate-limiter-flexible';

export interface AuthFailureLimits { points: number; windowSeconds: number }

export const DEFAULT_GIT_AUTH_LIMITS: AuthFailureLimits = { points: 30, windowSeconds: 15 * 60 };

export class AuthFailures {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly limits: AuthFailureLimits = DEFAULT_GIT_AUTH_LIMITS) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'git-auth', points: limits.points, duration: limits.windowSeconds });
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
