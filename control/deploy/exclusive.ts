// One release step or day-two operation per app at a time. In one process the per-app queue
// orders them; with Redis each job also holds the app's fenced lock (common/coordination), so a
// job on another control instance or in a standalone git service waits too. The lock's fence is
// kept in the job's async context: the route publisher (fenceFor) attaches it to every route
// write of that app, and Redis refuses the write if the lock has moved on meanwhile.
import { AsyncLocalStorage } from 'node:async_hooks';
import { LocalTurns, type Fence, type FencedLocks } from '../../common/coordination/index.js';

const lockName = (app: string): string => `app:${app}`;

export class AppExclusive {
  private readonly queue = new LocalTurns();
  private readonly held = new AsyncLocalStorage<ReadonlyMap<string, Fence>>();

  constructor(private readonly locks: FencedLocks | null) {}

  run<T>(app: string, job: () => Promise<T>): Promise<T> {
    const locks = this.locks;
    if (!locks) return this.queue.run(app, job);
    return this.queue.run(app, () =>
      locks.run(lockName(app), (fence) => {
        const fences = new Map(this.held.getStore() ?? []);
        fences.set(app, fence);
        return this.held.run(fences, job);
      }),
    );
  }

  /** True while a job of `app` runs or waits in this process. */
  busy(app: string): boolean {
    return this.queue.open(app) > 0;
  }

  /** The fence of `app`'s lock if the caller runs inside that app's job. */
  readonly fenceFor = (app: string): Fence | null => this.held.getStore()?.get(app) ?? null;
}
