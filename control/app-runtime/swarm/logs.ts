// An app's output on Swarm: the service's logs, gathered by the manager from every node. With
// `details`, each line names its task, which gives the replica (`app.<slot>`) the docker
// runtime's lines carry too.
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { demuxLogs } from '../../../builder/index.js';
import { LogFrameDecoder, splitTimestamp } from '../../runtime/frames.js';
import type { ReplicaLogLine } from '../runtime.js';
import { listTasks, replicaName } from './tasks.js';
import { serviceName } from './spec.js';

const TASK = /(?:^|,)com\.docker\.swarm\.task\.id=([a-z0-9]+)/;

/** `details`, then the app's line (pure): `com.docker.swarm.node.id=…,…,com.docker.swarm.task.id=… text`. */
export function splitDetails(line: string): { task: string | null; text: string } {
  const space = line.indexOf(' ');
  const head = space < 0 ? line : line.slice(0, space);
  const m = TASK.exec(head);
  if (!m) return { task: null, text: line };
  return { task: m[1]!, text: space < 0 ? '' : line.slice(space + 1) };
}

async function slotNames(docker: Docker, app: string): Promise<Map<string, string>> {
  const tasks = await listTasks(docker, app, 'any').catch(() => []);
  return new Map(tasks.map((t) => [t.ID, replicaName(app, t)]));
}

export async function tailServiceLogs(docker: Docker, app: string, tail: number): Promise<string[]> {
  const raw = (await docker
    .getService(serviceName(app))
    .logs({ stdout: true, stderr: true, tail, timestamps: true, details: true, follow: false })
    .catch(() => Buffer.alloc(0))) as unknown;
  const names = await slotNames(docker, app);
  const lines = demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).map((l) => {
    const { ts, text } = splitTimestamp(l);
    const { task, text: line } = splitDetails(text);
    return { ts, line: `${(task && names.get(task)) ?? app} | ${line}` };
  });
  lines.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return lines.slice(-tail).map((l) => l.line);
}

/** Follows the service's logs from now on; attaches again (after `pollMs`) when the stream ends. */
export function followServiceLogs(docker: Docker, app: string, onLine: (l: ReplicaLogLine) => void, pollMs: number): () => void {
  let closed = false;
  let stream: Readable | null = null;
  let names = new Map<string, string>();
  let since = Math.floor(Date.now() / 1000);
  const attach = async (): Promise<void> => {
    while (!closed) {
      names = await slotNames(docker, app);
      try {
        const s = (await docker
          .getService(serviceName(app))
          .logs({ follow: true, stdout: true, stderr: true, details: true, since })) as unknown as Readable;
        if (closed) {
          s.destroy();
          return;
        }
        stream = s;
        const decoder = new LogFrameDecoder();
        // A task started while following (a start, a scale-up) is not in `names` yet: its slot is
        // looked up before its first line goes out, in order, so the line names its replica.
        let ordered = Promise.resolve();
        const emit = (lines: ReturnType<LogFrameDecoder['push']>): void => {
          for (const l of lines) {
            const { task, text } = splitDetails(l.line);
            if (task && !names.has(task)) {
              ordered = ordered.then(async () => {
                if (!names.has(task)) names = await slotNames(docker, app).catch(() => names);
              });
            }
            // A listener that throws must not stop the lines after it (nor reject unhandled).
            ordered = ordered
              .then(() => onLine({ replica: (task && names.get(task)) ?? app, line: text, stream: l.stream }))
              .catch(() => undefined);
          }
        };
        await new Promise<void>((resolve) => {
          s.on('data', (chunk: Buffer) => emit(decoder.push(chunk)));
          s.once('close', () => {
            emit(decoder.end());
            resolve();
          });
          s.once('error', () => resolve());
        });
        since = Math.floor(Date.now() / 1000);
      } catch {
        /* no service yet: look again */
      }
      if (!closed) await new Promise((r) => setTimeout(r, pollMs).unref());
    }
  };
  void attach();
  return () => {
    closed = true;
    stream?.destroy();
  };
}
