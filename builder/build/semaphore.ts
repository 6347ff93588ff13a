// A counting semaphore, so concurrent builds cannot starve the host. Waiters are served in
// arrival order; `onWait` lets the caller tell its log why nothing is happening yet. A waiter may
// ask for several slots (`weight`, at most the limit): a build that must run alone takes them all.
// A waiter that does not fit yet holds back those behind it, so a heavy one is never starved.
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<{ weight: number; grant: () => void }> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('semaphore limit must be a positive integer');
  }

  /** Slots in use. */
  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  async acquire(onWait?: (ahead: number) => void, weight = 1): Promise<() => void> {
    const slots = Math.min(this.limit, Math.max(1, Math.floor(weight)));
    if (this.waiters.length === 0 && this.active + slots <= this.limit) {
      this.active += slots;
    } else {
      onWait?.(this.waiters.length + 1);
      // The releaser counts our slots in before it wakes us (see `grantWaiting`).
      await new Promise<void>((resolve) => this.waiters.push({ weight: slots, grant: resolve }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= slots;
      this.grantWaiting();
    };
  }

  async run<T>(fn: () => Promise<T>, onWait?: (ahead: number) => void, weight = 1): Promise<T> {
    const release = await this.acquire(onWait, weight);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private grantWaiting(): void {
    for (let head = this.waiters[0]; head && this.active + head.weight <= this.limit; head = this.waiters[0]) {
      this.waiters.shift();
      this.active += head.weight;
      head.grant();
    }
  }
}
