// One push at a time per app, from the moment its hook calls in until its receive-pack exits
// (after git has moved the ref). The deploy runs inside the hook, before git's own check that the
// ref still has the old value; two pushes deploying side by side would leave the app serving one
// commit while the branch holds the other, and the loser's objects dropped with its quarantine.

export class AppLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for the pushes to `app` before this one; the returned function ends this one's turn. */
  async acquire(app: string): Promise<() => void> {
    const before = this.tails.get(app) ?? Promise.resolve();
    let end!: () => void;
    const mine = new Promise<void>((resolve) => { end = resolve; });
    const tail = before.then(() => mine);
    this.tails.set(app, tail);
    await before;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      end();
      if (this.tails.get(app) === tail) this.tails.delete(app);
    };
  }

  /** Whether a push to `app` holds or waits for the lock (for tests and the waiting notice). */
  busy(app: string): boolean {
    return this.tails.has(app);
  }
}
