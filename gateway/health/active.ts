// Active health: every interval, each upstream gets a TCP connect, or a GET of the route's
// healthcheckPath when it has one (any answer below 500 is healthy). A replica that fails is
// taken out of rotation before a user's request has to discover it, and put back as soon as it
// passes again (passive marks expire on their own).
import net from 'node:net';
import type { Backend, BackendRegistry } from '../balancing/backends.js';

export function probe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** GET over the backend's own keep-alive pool, so a check also keeps a warm connection. */
export async function probeHttp(b: Backend, timeoutMs: number): Promise<boolean> {
  try {
    const res = await b.pool.request({
      path: b.healthPath!,
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      headers: { 'user-agent': 'deployflow-gateway-health' },
    });
    await res.body.dump();
    return res.statusCode < 500;
  } catch {
    return false;
  }
}

export class ActiveHealth {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly registry: BackendRegistry,
    private readonly intervalMs: number,
  ) {}

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
      await Promise.all(
        [...this.registry.all()].map(async (b: Backend) => {
          b.healthy = b.healthPath ? await probeHttp(b, timeout) : await probe(b.host, b.port, timeout);
        }),
      );
    } finally {
      this.running = false;
    }
  }
}
