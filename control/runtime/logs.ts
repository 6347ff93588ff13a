// Runtime logs: a tail across all of an app's containers merged in time order (each line
// prefixed with its replica's name), and a follower that emits every new line on the control
// event bus as `app.log` while anyone listens. Lines are the app's own output, never env. The
// container parts here are the docker runtime's; followAppLogs asks whichever runtime runs apps.
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { demuxLogs, listAppContainers } from '../../builder/index.js';
import type { ReplicaLogLine } from '../app-runtime/runtime.js';
import type { ControlDeps } from '../server/deps.js';
import type { ControlEventBus } from '../server/events.js';
import { LogFrameDecoder, splitTimestamp } from './frames.js';

export async function tailContainerLogs(docker: Docker, app: string, tail: number): Promise<string[]> {
  const containers = await listAppContainers(docker, app);
  const lines = (
    await Promise.all(
      containers.map(async (c) => {
        const raw = await docker
          .getContainer(c.id)
          .logs({ stdout: true, stderr: true, tail, timestamps: true, follow: false })
          .catch(() => Buffer.alloc(0));
        return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).map((l) => ({ ...splitTimestamp(l), replica: c.name }));
      }),
    )
  ).flat();
  // Docker's timestamps are fixed-width RFC 3339 in UTC, so they sort as strings.
  lines.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return lines.slice(-tail).map((l) => `${l.replica} | ${l.text}`);
}

/** Follows every running container of one app, attaching to new ones as they start. */
export class ContainerLogFollower {
  private readonly attached = new Map<string, Readable>();
  private readonly timer: NodeJS.Timeout;
  private readonly startedSec = Math.floor(Date.now() / 1000);
  private first = true;

  constructor(
    private readonly docker: Docker,
    private readonly app: string,
    private readonly onLine: (l: ReplicaLogLine) => void,
    pollMs: number,
  ) {
    void this.sync();
    this.timer = setInterval(() => void this.sync(), pollMs);
    this.timer.unref();
  }

  /** Attaches to containers that started since the last look (new deploys, scale, restarts). */
  private async sync(): Promise<void> {
    const first = this.first;
    this.first = false;
    const running = await listAppContainers(this.docker, this.app).then(
      (l) => l.filter((c) => c.running),
      () => [],
    );
    for (const c of running) {
      if (this.attached.has(c.id)) continue;
      // Containers already running when the first listener came: only lines from now on.
      const from = first ? { tail: 0 } : { since: Math.max(this.startedSec, Math.floor(c.created)) };
      this.attached.set(c.id, null as unknown as Readable);
      try {
        const stream = (await this.docker
          .getContainer(c.id)
          .logs({ follow: true, stdout: true, stderr: true, ...from })) as unknown as Readable;
        if (!this.attached.has(c.id)) {
          stream.destroy();
          continue;
        }
        this.attached.set(c.id, stream);
        const decoder = new LogFrameDecoder();
        const emit = (lines: ReturnType<LogFrameDecoder['push']>): void => {
          for (const l of lines) this.onLine({ replica: c.name, line: l.line, stream: l.stream });
        };
        stream.on('data', (chunk: Buffer) => emit(decoder.push(chunk)));
        stream.once('close', () => {
          emit(decoder.end());
          this.attached.delete(c.id);
        });
        stream.once('error', () => this.attached.delete(c.id));
      } catch {
        this.attached.delete(c.id);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const stream of this.attached.values()) stream?.destroy();
    this.attached.clear();
  }
}

interface Follower {
  refs: number;
  close(): void;
}

const followers = new WeakMap<ControlEventBus, Map<string, Follower>>();

/**
 * Starts (or joins) following `app`'s container logs; every new line is emitted on
 * `deps.events` as `app.log`. Call the returned function to stop listening; the follower
 * stops when its last listener does.
 */
export function followAppLogs(deps: Pick<ControlDeps, 'deploy' | 'events'>, app: string, pollMs = 1000): () => void {
  const runtime = deps.deploy?.runtime;
  if (!runtime) return () => undefined;
  let byApp = followers.get(deps.events);
  if (!byApp) followers.set(deps.events, (byApp = new Map()));
  let f = byApp.get(app);
  if (!f) {
    const emit = (l: ReplicaLogLine): void => {
      deps.events.emit('app.log', { app, ...l, at: Date.now() });
    };
    byApp.set(app, (f = { refs: 0, close: runtime.followLogs(app, emit, pollMs) }));
  }
  f.refs += 1;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f.refs -= 1;
    if (f.refs === 0) {
      f.close();
      if (byApp.get(app) === f) byApp.delete(app);
    }
  };
}
