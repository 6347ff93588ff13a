// One push at a time per app, from the moment its hook calls in until its receive-pack exits
// (after git has moved the ref). The deploy runs inside the hook, before git's own check that the
// ref still has the old value; two pushes deploying side by side would leave the app serving one
// commit while the branch holds the other, and the loser's objects dropped with its quarantine.
// AppLocks keeps the turns in one process; with Redis, PushTurns takes them from a ticket queue
// shared by every git service and control instance (common/coordination), in arrival order.

/** A push's place in its app's line: `ready` when the pushes ahead ended, `end` when it is done. */
export interface PushTurn {
  /** Pushes ahead of this one when it arrived (>0: the pusher is told it waits). */
  readonly ahead: number;
  readonly ready: Promise<void>;
  end(): void;
}

export interface PushLocks {
  take(app: string, holder: string): Promise<PushTurn>;
}

export class AppLocks implements PushLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly counts = new Map<string, number>();

  async take(app: string): Promise<PushTurn> {
    const before = this.tails.get(app) ?? Promise.resolve();
    const ahead = this.counts.get(app) ?? 0;
    this.counts.set(app, ahead + 1);
    let end!: () => void;
    const mine = new Promise<void>((resolve) => { end = resolve; });
    const tail = before.then(() => mine);
    this.tails.set(app, tail);
    let ended = false;
    return {
      ahead,
      ready: before,
      end: () => {
        if (ended) return;
        ended = true;
        end();
        const left = (this.counts.get(app) ?? 1) - 1;
        if (left > 0) this.counts.set(app, left); else this.counts.delete(app);
        if (this.tails.get(app) === tail) this.tails.delete(app);
      },
    };
  }

  /** Whether a push to `app` holds or waits for the lock. */
  busy(app: string): boolean {
    return this.tails.has(app);
  }
}

/** The ticket queue a push takes its turn from (common/coordination's TicketQueues fits). */
export interface TicketSource {
  take(queue: string, holder: string): Promise<{ ahead: number; ready: Promise<void>; end(): Promise<void> }>;
}

export class PushTurns implements PushLocks {
  constructor(private readonly tickets: TicketSource) {}

  async take(app: string, holder: string): Promise<PushTurn> {
    const t = await this.tickets.take(`push:${app}`, holder);
    return { ahead: t.ahead, ready: t.ready, end: () => { void t.end(); } };
  }
}
