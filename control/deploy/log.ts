// One deployment's log: every line goes to the store (appended in order, writes serialized so
// a slow disk never reorders lines), to live listeners (git push, Socket.IO), and to nobody
// else — env values never pass through here.
import type { Store } from '../store/types.js';
import type { ControlEventBus } from '../server/events.js';

export class DeploymentLog {
  private chain: Promise<void> = Promise.resolve();
  private pending: string[] = [];

  constructor(
    private readonly store: Store,
    private readonly events: ControlEventBus,
    readonly deploymentId: string,
    readonly app: string,
    private readonly clock: () => number,
  ) {}

  /** Usable as a builder LogSink: `log.write` keeps `this`. */
  readonly write = (line: string): void => {
    for (const part of line.replace(/\r/g, '').split('\n')) {
      this.events.emit('deployment.log', {
        deploymentId: this.deploymentId,
        app: this.app,
        line: part,
        at: this.clock(),
      });
      this.pending.push(part);
    }
    // Batch lines written in one tick into one store append.
    if (this.pending.length === 1 || (this.pending.length > 1 && this.pending.length % 200 === 0)) this.flushSoon();
  };

  private flushSoon(): void {
    this.chain = this.chain
      .then(async () => {
        await new Promise((r) => setImmediate(r));
        const text = this.pending.map((l) => `${l}\n`).join('');
        this.pending = [];
        if (text) await this.store.deployments.appendLog(this.deploymentId, text);
      })
      .catch(() => undefined);
  }

  /** Resolves once every line written so far is in the store. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) this.flushSoon();
    await this.chain;
  }
}
