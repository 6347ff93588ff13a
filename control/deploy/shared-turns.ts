// The push order of an app's route switches across every instance that deploys (control
// instances, a standalone git service): each deploy takes a ticket of the app's queue in Redis
// when it is recorded, builds at once, and switches only when every earlier ticket ended (live,
// failed, superseded — or its holder died and its lease ran out). The highest ticket that went
// live is kept in Redis too, so a deploy whose turn comes after a later one went live is
// superseded whichever instance ran the later one.
import type { Redis } from 'ioredis';
import type { TicketQueues } from '../../common/coordination/index.js';
import type { DeployTurns, Turn } from './turns.js';

const queueOf = (app: string): string => `deploy:${app}`;
const liveKey = (app: string): string => `deployflow:coord:live-turn:${app}`;
// KEYS: live. ARGV: seq. Keeps the highest.
const RAISE =
  "local c = tonumber(redis.call('GET', KEYS[1]) or '0'); if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end; return 1";

export class SharedTurns implements DeployTurns {
  constructor(
    private readonly redis: Redis,
    private readonly tickets: TicketQueues,
  ) {}

  async take(app: string, holder: string): Promise<Turn> {
    const t = await this.tickets.take(queueOf(app), holder);
    return { seq: t.seq, after: t.ahead, ready: t.ready, end: () => t.end() };
  }

  async wentLive(app: string, turn: Turn): Promise<void> {
    await this.redis.eval(RAISE, 1, liveKey(app), turn.seq);
  }

  async superseded(app: string, turn: Turn): Promise<boolean> {
    return Number((await this.redis.get(liveKey(app))) ?? 0) > turn.seq;
  }

  pending(app: string): number {
    return this.tickets.heldHere(queueOf(app));
  }

  /** Deployment ids whose deploy is in progress on some instance (a live ticket). */
  inProgress(app: string): Promise<string[]> {
    return this.tickets.holders(queueOf(app));
  }
}
