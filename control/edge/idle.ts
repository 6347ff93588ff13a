// When each app last had traffic, from the gateways' request counters (control/runtime: every
// gateway reports per-app counters every 2 s; the poller turns them into `app.requests` samples).
// A sample with requests in its window, or a total that moved, is activity. An app no gateway has
// counted yet is idle since the tracker started or since it was last deployed or woken (`touch`).
import type { RequestSample } from '../runtime/requests.js';

export class IdleTracker {
  private readonly lastActive = new Map<string, number>();
  private readonly lastTotal = new Map<string, number>();

  constructor(private readonly startedAt: number) {}

  /** Takes one request sample of `app`. */
  seen(app: string, sample: Pick<RequestSample, 'requests' | 'total'>, now: number): void {
    const before = this.lastTotal.get(app);
    this.lastTotal.set(app, sample.total);
    if (sample.requests > 0 || (before !== undefined && before !== sample.total)) this.lastActive.set(app, now);
  }

  /** Something other than a request started a new idle period (a deploy, a wake, a busy queue). */
  touch(app: string, now: number): void {
    this.lastActive.set(app, now);
  }

  idleMs(app: string, now: number): number {
    return now - (this.lastActive.get(app) ?? this.startedAt);
  }

  forget(app: string): void {
    this.lastActive.delete(app);
    this.lastTotal.delete(app);
  }
}

/** True when an app set to sleep after `idleSeconds` (0: never) has been idle that long. */
export function dueForSleep(idleSeconds: number, idleMs: number): boolean {
  return idleSeconds > 0 && idleMs >= idleSeconds * 1000;
}
