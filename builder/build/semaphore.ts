// A counting semaphore, so concurrent builds cannot starve the host. Waiters are served in
// arrival order; `onWait` lets the caller tell its log why nothing is happening yet.
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('semaphore limit must be a positive integer');
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  async acquire(onWait?: (ahead: number) => void): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
    } else {
      onWait?.(this.waiters.length + 1);
      // The releaser hands its slot straight to us, so `active` stays the same.
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    };
  }

  async run<T>(fn: () => Promise<T>, onWait?: (ahead: number) => void): Promise<T> {
    const release = await this.acquire(onWait);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
