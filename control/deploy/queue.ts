// One deploy at a time per app: later deploys wait their turn in order (their status stays
// `queued`, visible in the API). Different apps deploy in parallel; the builder's own
// semaphore keeps the host from being starved by many builds at once.
export class PerAppQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(app: string, job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(app) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(job);
    const tail = next.catch(() => undefined);
    this.tails.set(app, tail);
    void tail.then(() => {
      if (this.tails.get(app) === tail) this.tails.delete(app);
    });
    return next;
  }

  busy(app: string): boolean {
    return this.tails.has(app);
  }
}
