// First come, first served per key within one process: the in-process counterpart of
// TicketQueues. A turn is taken, waited for (`ready`) and ended by its holder, which may be much
// later than the code that took it (a deploy's route-switch turn ends when it went live or
// failed); `run` wraps one job in a turn. Control's per-app jobs and its deploys' route-switch
// order take their turns here.

export interface LocalTurn {
  /** Position among the key's turns, in the order they were taken. */
  readonly seq: number;
  /** Turns of the key not yet ended when this one was taken. */
  readonly ahead: number;
  /** Settles when every earlier turn of the key ended. */
  readonly ready: Promise<void>;
  /** Ends the turn (or its wait); idempotent. */
  end(): void;
}

interface KeyTurns {
  next: number;
  tail: Promise<void>;
  open: number;
}

export class LocalTurns {
  private readonly keys = new Map<string, KeyTurns>();

  take(key: string): LocalTurn {
    let k = this.keys.get(key);
    if (!k) this.keys.set(key, (k = { next: 0, tail: Promise.resolve(), open: 0 }));
    const state = k;
    const ready = state.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A turn that ends early (before its own turn came) still hands over only after the earlier ones.
    state.tail = ready.then(() => mine);
    const turn = { seq: state.next++, ahead: state.open, ready };
    state.open += 1;
    let ended = false;
    return {
      ...turn,
      end: () => {
        if (ended) return;
        ended = true;
        release();
        state.open -= 1;
        if (state.open === 0 && this.keys.get(key) === state) this.keys.delete(key);
      },
    };
  }

  /** Runs `job` in its turn of `key` and ends the turn however the job ends. */
  async run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const turn = this.take(key);
    try {
      await turn.ready;
      return await job();
    } finally {
      turn.end();
    }
  }

  /** Turns of `key` taken and not yet ended (running or waiting). */
  open(key: string): number {
    return this.keys.get(key)?.open ?? 0;
  }
}
