// The order in which an app's deploys may switch its route: the order they were asked for. Each
// deploy takes a turn when it is recorded and builds at once; its switch waits (`ready`) until
// every earlier deploy of the app went live, failed or was superseded (`end`). A deploy whose
// turn comes after a later one went live (which the chain rules out for deploys, but a guard
// costs nothing) is superseded instead of switching the route back to an older version.
// This is the one-process version; shared-turns.ts keeps the same order across instances.

export interface Turn {
  /** Position among the app's deploys, in the order they were asked for. */
  readonly seq: number;
  /** Earlier deploys of the app still building or releasing when this one was asked for. */
  readonly after: number;
  /** Settles when every earlier deploy's turn ended. */
  readonly ready: Promise<void>;
  /** Ends this turn (live, failed or superseded); idempotent. */
  end(): void | Promise<void>;
}

/** The order of an app's route switches, in one process (ReleaseTurns) or across instances (SharedTurns). */
export interface DeployTurns {
  /** Takes the next turn of `app`; `holder` is the deployment id (shared turns list them). */
  take(app: string, holder: string): Promise<Turn>;
  /** Records that `turn`'s deploy switched the route. */
  wentLive(app: string, turn: Turn): Promise<void>;
  /** True when a later deploy of the app already went live: `turn` must not switch the route back. */
  superseded(app: string, turn: Turn): Promise<boolean>;
  /** Deploys of `app` this process has not yet seen live, failed or superseded. */
  pending(app: string): number;
}

interface AppTurns { next: number; tail: Promise<void>; liveSeq: number; pending: number }

export class ReleaseTurns implements DeployTurns {
  private readonly apps = new Map<string, AppTurns>();

  take(app: string): Promise<Turn> {
    return Promise.resolve(this.takeNow(app));
  }

  takeNow(app: string): Turn {
    let a = this.apps.get(app);
    if (!a) this.apps.set(app, a = { next: 0, tail: Promise.resolve(), liveSeq: -1, pending: 0 });
    const state = a;
    const seq = state.next++;
    const ready = state.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    // A turn that ends early (its build failed) still hands over only after the earlier ones.
    state.tail = ready.then(() => mine);
    const after = state.pending;
    state.pending += 1;
    let ended = false;
    return {
      seq, after, ready,
      end: () => {
        if (ended) return;
        ended = true;
        release();
        state.pending -= 1;
        if (state.pending === 0 && this.apps.get(app) === state) this.apps.delete(app);
      },
    };
  }

  async wentLive(app: string, turn: Turn): Promise<void> {
    const a = this.apps.get(app);
    if (a) a.liveSeq = Math.max(a.liveSeq, turn.seq);
  }

  async superseded(app: string, turn: Turn): Promise<boolean> {
    return (this.apps.get(app)?.liveSeq ?? -1) > turn.seq;
  }

  /** Deploys of `app` not yet live, failed or superseded. */
  pending(app: string): number {
    return this.apps.get(app)?.pending ?? 0;
  }
}
