// One leader at a time among the instances of a service, for loops that must not run twice (the
// reconciler, the idle-sleep sweeper, the autoscaler): a Redis lease naming the leader, taken
// with SET NX PX, renewed by the leader every third of its time to live. Every instance tries to
// take it on the same rhythm, so when the leader dies (SIGKILL) another one leads at most one
// time to live plus one attempt later. A leader that cannot renew (Redis away, paused) steps
// down as soon as it finds the lease gone or someone else's, before anyone else can have it for
// long: its loops stop at once.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { leaderKey } from './keys.js';

// KEYS: lease. ARGV: id, ttl ms. 1 when `id` holds the lease after the call.
const TAKE_OR_RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const RESIGN = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

export interface LeaderCallbacks {
  /** This instance became the leader: start the leader-only loops. */
  lead(): void | Promise<void>;
  /** It no longer is (lease lost or stopping): stop them. */
  follow(): void | Promise<void>;
}

export interface LeaderOptions {
  /** 10 s by default: a dead leader is replaced within about 13 s. */
  ttlMs?: number;
  id?: string;
  onError?: (err: unknown) => void;
}

export class LeaderLease {
  readonly id: string;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  /** Transitions run one after the other: a lead never overlaps the follow before it. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly role: string,
    private readonly cb: LeaderCallbacks,
    private readonly opts: LeaderOptions = {},
  ) {
    this.id = opts.id ?? randomUUID();
    this.ttlMs = opts.ttlMs ?? 10_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.attempt();
    this.timer = setInterval(() => void this.attempt(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /** Stops trying; a leader steps down (its loops stop) and frees the lease for the next one at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
    if (this.leading) {
      await this.transition(false);
      await this.redis.eval(RESIGN, 1, leaderKey(this.role), this.id).catch(() => undefined);
    }
    await this.chain;
  }

  /** The current leader's id (any instance), or null while nobody leads. */
  static async current(redis: Redis, role: string): Promise<string | null> {
    return redis.get(leaderKey(role));
  }

  private async attempt(): Promise<void> {
    let held: boolean;
    try {
      held = Number(await this.redis.eval(TAKE_OR_RENEW, 1, leaderKey(this.role), this.id, this.ttlMs)) === 1;
    } catch (err) {
      this.opts.onError?.(err);
      // No answer: the lease may expire meanwhile and be taken elsewhere; a leader that cannot
      // reach Redis can coordinate nothing anyway.
      held = false;
    }
    if (!this.timer) return;
    if (held !== this.leading) await this.transition(held);
  }

  private transition(lead: boolean): Promise<void> {
    this.leading = lead;
    this.chain = this.chain.then(async () => {
      try {
        await (lead ? this.cb.lead() : this.cb.follow());
      } catch (err) {
        this.opts.onError?.(err);
      }
    });
    return this.chain;
  }
}
