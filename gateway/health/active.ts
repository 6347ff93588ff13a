// Active health: every interval, each upstream gets a TCP connect. A replica that stops accepting
// is taken out of rotation before a user's request has to discover it, and put back as soon as it
// accepts again (passive marks expire on their own).
import net from 'node:net';
import type { Backend, BackendRegistry } from '../balancing/backends.js';

export function probe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export class ActiveHealth {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly registry: BackendRegistry, private readonly intervalMs: number) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async round(): Promise<void> {
    if (this.running) return; // a slow round must not pile up on the next
    this.running = true;
    try {
      const timeout = Math.min(2000, this.intervalMs);
      await Promise.all([...this.registry.all()].map(async (b: Backend) => { b.healthy = await probe(b.host, b.port, timeout); }));
    } finally {
      this.running = false;
    }
  }
}
