// The layer-cache budget per app, around each build (the rules: cache-budget.ts). `begin` lists
// the engine's cache records before the build; `end` credits the app with what its build made,
// and prunes the app's own least recently used records by id while they weigh more than the
// budget, saying so in the build log. Bookkeeping that fails never fails the build.
import type Docker from 'dockerode';
import { listBuildCache, pruneCacheRecord, type CacheRecord } from '../docker/build-cache.js';
import type { LogSink } from '../deps.js';
import { attribute, overBudget, runCommands, settle, type CacheLedgerStore } from './cache-budget.js';
import type { CacheMountSeen } from './disk.js';

export interface AppCacheOptions {
  /** Most an app's own build cache may weigh, in MB. */
  budgetMb: number;
  ledger: CacheLedgerStore;
}

const MB = 1024 * 1024;
const mb = (bytes: number): string => (bytes / MB).toFixed(1);

export class AppCacheBudget {
  /** `end`s one after another: each reads, changes and writes the one ledger (builds may run at once). */
  private settling: Promise<void> = Promise.resolve();

  constructor(
    private readonly docker: Docker,
    private readonly opts: AppCacheOptions,
  ) {}

  /** The records before a build; the reason when the engine cannot list them (the build then goes uncounted). */
  begin(): Promise<CacheRecord[] | string> {
    return listBuildCache(this.docker).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  }

  /** After a build of `app` (succeeded or failed): credit it, then trim it to its budget. */
  end(app: string, before: CacheRecord[] | string, dockerfile: string, seen: CacheMountSeen[], log: LogSink): Promise<void> {
    const done = this.settling.then(() => this.credit(app, before, dockerfile, seen, log));
    this.settling = done;
    return done;
  }

  private async credit(
    app: string,
    before: CacheRecord[] | string,
    dockerfile: string,
    seen: CacheMountSeen[],
    log: LogSink,
  ): Promise<void> {
    try {
      if (typeof before === 'string') throw new Error(`the engine did not list its cache before the build: ${before}`);
      const after = await listBuildCache(this.docker);
      const mine = attribute(new Set(before.map((r) => r.ID)), after, runCommands(dockerfile));
      let ledger = settle(await this.opts.ledger.load(), app, before, after, mine, seen);
      const budget = this.opts.budgetMb * MB;
      const { totalBytes, victims } = overBudget(ledger[app] ?? [], after, budget);
      if (victims.length === 0) {
        await this.opts.ledger.save(ledger);
        return;
      }
      const removed = await this.prune(victims.map((v) => v.record.ID));
      const freed = victims.filter((v) => removed.has(v.record.ID)).reduce((sum, v) => sum + v.bytes, 0);
      ledger = { ...ledger, [app]: (ledger[app] ?? []).filter((e) => !removed.has(e.id)) };
      await this.opts.ledger.save(ledger);
      log(
        `       Build cache: this app's cache held ${mb(totalBytes)} MB, more than its budget of ${this.opts.budgetMb} MB; ` +
          `trimmed ${removed.size} of its least recently used entries (${mb(freed)} MB)`,
      );
    } catch (err) {
      log(`       Build cache: this app's cache could not be counted (${(err as Error).message.slice(0, 200)})`);
    }
  }

  /** Prunes records by id; one a child still holds goes in a later pass, once the child went. */
  private async prune(ids: string[]): Promise<Set<string>> {
    const removed = new Set<string>();
    for (let pass = 0; pass < 4; pass++) {
      let progress = false;
      for (const id of ids.filter((i) => !removed.has(i))) {
        if ((await pruneCacheRecord(this.docker, id)).deleted) {
          removed.add(id);
          progress = true;
        }
      }
      if (!progress || removed.size === ids.length) break;
    }
    return removed;
  }
}
