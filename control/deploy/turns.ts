// The order in which an app's deploys may switch its route: the order they were asked for. Each
// deploy takes a turn when it is recorded and builds at once; its switch waits (`ready`) until
// every earlier deploy of the app went live, failed or was superseded (`end`). A deploy whose
// turn comes after a later one went live (which the chain rules out for deploys, but a guard
// costs nothing) is superseded instead of switching the route back to an older version.
// This is the one-process version (on common/coordination's LocalTurns); shared-turns.ts keeps the
// same order across instances.
import { LocalTurns } from '../../common/coordination/index.js';

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

export class ReleaseTurns implements DeployTurns {
  private readonly turns = new LocalTurns();
  /** The highest turn of each app that went live, while the app has turns open. */
  private readonly liveSeq = new Map<string, number>();

  take(app: string): Promise<Turn> {
    const turn = this.turns.take(app);
    return Promise.resolve({
      seq: turn.seq,
      after: turn.ahead,
      ready: turn.ready,
      end: () => {
        turn.end();
        if (this.turns.open(app) === 0) this.liveSeq.delete(app);
      },
    });
  }

  async wentLive(app: string, turn: Turn): Promise<void> {
    if (this.turns.open(app) > 0) this.liveSeq.set(app, Math.max(this.liveSeq.get(app) ?? -1, turn.seq));
  }

  async superseded(app: string, turn: Turn): Promise<boolean> {
    return (this.liveSeq.get(app) ?? -1) > turn.seq;
  }

  /** Deploys of `app` not yet live, failed or superseded. */
  pending(app: string): number {
    return this.turns.open(app);
  }
}
