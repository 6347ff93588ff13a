// Runtime logs are read from Docker only while someone watches: the first local subscriber of
// an app's logs starts a follower, the last one to leave stops it.
export type FollowAppLogs = (app: string) => () => void;

export class Followers {
  private readonly active = new Map<string, { count: number; stop: () => void }>();

  constructor(private readonly follow: FollowAppLogs | undefined) {}

  acquire(app: string): void {
    const current = this.active.get(app);
    if (current) {
      current.count += 1;
      return;
    }
    this.active.set(app, { count: 1, stop: this.follow ? this.follow(app) : () => undefined });
  }

  release(app: string): void {
    const current = this.active.get(app);
    if (!current) return;
    current.count -= 1;
    if (current.count > 0) return;
    this.active.delete(app);
    current.stop();
  }

  watching(app: string): number {
    return this.active.get(app)?.count ?? 0;
  }

  stopAll(): void {
    for (const { stop } of this.active.values()) stop();
    this.active.clear();
  }
}
