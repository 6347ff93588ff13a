// First come, first served across processes: a ticket queue in Redis. Taking a ticket draws the
// next number and gives it a lease (renewed by its holder); the ticket's turn comes when every
// lower ticket has ended or its lease ran out (its holder died). Used for the order in which an
// app's deploys switch its route (the push order) and for one push per app at a time — whichever
// control instance or git service the deploys and pushes arrive at.
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { DeployFlowError } from '../errors/catalogue.js';
import { ticketCounterKey, ticketLeaseKey, ticketsKey } from './keys.js';
import { keepRenewed } from './renewal.js';

export interface Ticket {
  /** Position in the queue, in the order tickets were taken. */
  readonly seq: number;
  /** Tickets ahead of this one that were still alive when it was taken. */
  readonly ahead: number;
  /** Settles when this ticket's turn comes; rejects (DF_ERR_LOCK_LOST) when its lease ran out first. */
  readonly ready: Promise<void>;
  /** Ends the ticket (its turn, or its wait); idempotent. */
  end(): Promise<void>;
}

// Drops tickets whose lease ran out from the front of the queue. KEYS: queue. ARGV: lease key prefix, up to seq.
const PRUNE = `
local function prune(limit)
  local alive = 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', limit)) do
    if redis.call('EXISTS', ARGV[1] .. m) == 1 then alive = alive + 1 else redis.call('ZREM', KEYS[1], m) end
  end
  return alive
end`;
// KEYS: queue, counter. ARGV: lease key prefix, ttl ms, holder. Returns {seq, alive tickets ahead}.
const TAKE = `${PRUNE}
local seq = redis.call('INCR', KEYS[2])
local ahead = prune('(' .. seq)
redis.call('ZADD', KEYS[1], seq, seq)
redis.call('SET', ARGV[1] .. seq, ARGV[3], 'PX', ARGV[2])
return {seq, ahead}`;
// KEYS: queue. ARGV: lease key prefix, seq. 1: its turn; 0: live tickets ahead; -1: its own lease is gone.
const TURN = `${PRUNE}
if redis.call('EXISTS', ARGV[1] .. ARGV[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[2]); return -1 end
if prune('(' .. ARGV[2]) == 0 then return 1 end
return 0`;
// KEYS: queue. ARGV: lease key prefix, seq.
const END = "redis.call('ZREM', KEYS[1], ARGV[2]); redis.call('DEL', ARGV[1] .. ARGV[2]); return 1";
// KEYS: queue. ARGV: lease key prefix. The holders of live tickets.
const HOLDERS = `
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local h = redis.call('GET', ARGV[1] .. m)
  if h then table.insert(out, h) end
end
return out`;

export interface TicketOptions {
  /** Lease of a ticket whose holder stopped renewing (crashed); 15 s by default. */
  ttlMs?: number;
  /** Pause between looks at the queue while waiting. */
  pollMs?: number;
}

export class TicketQueues {
  private readonly ttlMs: number;
  private readonly pollMs: number;
  /** Tickets this process holds per queue (busy checks need no round trip). */
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    opts: TicketOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 15_000;
    this.pollMs = opts.pollMs ?? 50;
  }

  /** Takes the next ticket of `queue`; `holder` names who holds it (see `holders`). */
  async take(queue: string, holder: string): Promise<Ticket> {
    const prefix = ticketLeaseKey(queue, 0).replace(/0$/, '');
    const [seq, ahead] = (await this.redis.eval(TAKE, 2, ticketsKey(queue), ticketCounterKey(queue), prefix, this.ttlMs, holder)) as [
      number,
      number,
    ];
    this.local.set(queue, (this.local.get(queue) ?? 0) + 1);
    let ended = false;
    const lease = ticketLeaseKey(queue, seq);
    const renewal = keepRenewed(
      this.ttlMs,
      async () => Number(await this.redis.pexpire(lease, this.ttlMs)) === 1,
      () => undefined,
    );
    const end = async (): Promise<void> => {
      if (ended) return;
      ended = true;
      renewal.stop();
      const left = (this.local.get(queue) ?? 1) - 1;
      if (left > 0) this.local.set(queue, left);
      else this.local.delete(queue);
      await this.redis.eval(END, 1, ticketsKey(queue), prefix, seq).catch(() => undefined); // the lease runs out anyway
    };
    const ready = (async (): Promise<void> => {
      for (;;) {
        if (ended) return;
        const turn = Number(await this.redis.eval(TURN, 1, ticketsKey(queue), prefix, seq));
        if (turn === 1) return;
        if (turn === -1) throw new DeployFlowError('DF_ERR_LOCK_LOST', `The turn of ${queue} was lost (its lease ran out while waiting)`);
        await delay(this.pollMs);
      }
    })();
    ready.catch(() => undefined); // the taker awaits it; an unawaited loss must not crash the process
    return { seq, ahead, ready, end };
  }

  /** Tickets of `queue` this process holds or waits with. */
  heldHere(queue: string): number {
    return this.local.get(queue) ?? 0;
  }

  /** The holders of every live ticket of `queue`, on any instance. */
  async holders(queue: string): Promise<string[]> {
    const prefix = ticketLeaseKey(queue, 0).replace(/0$/, '');
    return (await this.redis.eval(HOLDERS, 1, ticketsKey(queue), prefix)) as string[];
  }
}
