// Containers that drain after a release, known to every control instance: the release that
// retires them may run on one instance while the reconciler (on the leader) or the next release
// (anywhere) looks at the app's containers; neither may count a draining container as its own
// and stop it before its requests finished. Each entry expires on its own after the drain's
// time plus a margin, so a crashed instance's entries never linger.
import type { Redis } from 'ioredis';
import { Members } from '../../common/coordination/index.js';

export interface DrainRegistry {
  mark(app: string, containerIds: string[]): Promise<void>;
  unmark(app: string, containerIds: string[]): Promise<void>;
  list(app: string): Promise<string[]>;
}

export class SharedDrains implements DrainRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
  ) {}

  private group(app: string): Members {
    return new Members(this.redis, `draining:${app}`, this.ttlMs);
  }

  async mark(app: string, containerIds: string[]): Promise<void> {
    const g = this.group(app);
    for (const id of containerIds) await g.beat(id);
  }

  async unmark(app: string, containerIds: string[]): Promise<void> {
    const g = this.group(app);
    for (const id of containerIds) await g.leave(id);
  }

  list(app: string): Promise<string[]> {
    return this.group(app).live();
  }
}
