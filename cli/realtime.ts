// Live streams over Socket.IO (loaded only by the commands that follow something): a deployment's
// build log, placed by its line numbers so a reconnect resumes where it stopped, and an app's
// runtime log, reconciled with the REST tail after each (re)subscribe (log-merge.ts).
import type { Socket } from 'socket.io-client';
import { CliError, EXIT } from './errors.js';
import type { Api } from './http.js';
import { segment } from './http.js';
import { formatLine, parseTailLine, PrintedLog, type LogLine } from './log-merge.js';

export interface DeploymentView {
  id: string;
  app: string;
  status: string;
  commit: string | null;
  ref: string | null;
  image: string | null;
  source: string;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
  /** The failure's DF_ERR_* code; null unless failed. */
  errorCode: string | null;
}

const FINISHED = new Set(['running', 'failed', 'superseded', 'cancelled']);
type Ack = { ok: true; status?: string } | { ok: false; error: { code: string; message: string } };

async function connect(api: Api, fail: (err: CliError) => void): Promise<Socket> {
  const { io } = await import('socket.io-client');
  const socket = io(api.url, {
    auth: { token: api.token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    reconnectionAttempts: 30,
  });
  let ended = false;
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    const code = err.data?.code;
    if (code === 'DF_ERR_INVALID_TOKEN' || code === 'DF_ERR_UNAUTHENTICATED') fail(new CliError(code, err.message, EXIT.unauthenticated));
  });
  socket.on('session:end', (e: { code?: string; message?: string }) => {
    ended = true;
    fail(new CliError(e.code ?? 'DF_ERR_INVALID_TOKEN', e.message ?? 'The session ended', EXIT.unauthenticated));
  });
  socket.on('subscription:end', (e: { code?: string; message?: string }) => {
    fail(new CliError(e.code ?? 'DF_ERR_NOT_FOUND', e.message ?? 'The app is gone', EXIT.notFound));
  });
  // A server that shuts down closes its sockets itself, which Socket.IO does not retry on its own.
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect')
      setTimeout(() => {
        if (!ended) socket.connect();
      }, 500);
  });
  socket.io.on('reconnect_failed', () => fail(new CliError('DF_ERR_UNAVAILABLE', `Lost the connection to ${api.url}`)));
  return socket;
}

async function subscribe(socket: Socket, payload: Record<string, unknown>): Promise<{ status?: string }> {
  const ack = (await socket.timeout(15_000).emitWithAck('subscribe', payload)) as Ack;
  if (!ack.ok) throw new CliError(ack.error.code, ack.error.message, ack.error.code.endsWith('NOT_FOUND') ? EXIT.notFound : EXIT.failed);
  return ack;
}

/** Writes the deployment's log lines as they come and resolves with its final record. */
export async function followDeployment(api: Api, id: string, write: (line: string) => void): Promise<DeploymentView> {
  let next = 0;
  let socket: Socket | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: CliError): void => reject(err);
      void connect(api, fail).then((s) => {
        socket = s;
        s.on('deployment:log', (e: { deploymentId: string; line: string; seq: number }) => {
          if (e.deploymentId !== id || e.seq < next) return;
          next = e.seq + 1;
          write(e.line);
        });
        s.on('deployment:status', (d: DeploymentView) => {
          if (d.id === id && FINISHED.has(d.status)) resolve();
        });
        // On every (re)connection: resume from the first line not shown yet; the server replays
        // the missed lines before it answers, so a finished deployment is complete at the answer.
        s.on('connect', () => {
          subscribe(s, { deploymentId: id, offset: next }).then((ack) => {
            if (ack.status && FINISHED.has(ack.status)) resolve();
          }, fail);
        });
      }, reject);
    });
  } finally {
    (socket as Socket | null)?.close();
  }
  return api.get<DeploymentView>(`/deployments/${segment(id)}`);
}

/**
 * Follows an app's runtime log until `stop` resolves: the last `num` lines first, then every new
 * line; after a reconnect, what was missed meanwhile (as far as the tail reaches), without repeats.
 */
export async function followAppLogs(
  api: Api,
  app: string,
  num: number,
  write: (line: LogLine) => void,
  stop: Promise<void>,
): Promise<void> {
  const printed = new PrintedLog();
  let buffer: LogLine[] | null = [];
  let socket: Socket | null = null;
  // The server starts reading the containers when the first watcher subscribes; the tail is read
  // a moment later, so lines printed while it attaches are in the tail rather than lost.
  const settleMs = Number(process.env.DEPLOYFLOW_LOGS_SETTLE_MS ?? 1000);
  const catchUp = async (s: Socket): Promise<void> => {
    buffer = [];
    await subscribe(s, { app, stream: 'logs' });
    await new Promise((r) => setTimeout(r, settleMs));
    const text = await api.get<string>(`/apps/${segment(app)}/logs?tail=${num}`);
    const tail = (text ?? '')
      .split('\n')
      .filter((l) => l !== '')
      .map(parseTailLine);
    for (const l of printed.mergeTail(tail)) write(l);
    for (const l of printed.mergeLive(buffer)) write(l);
    buffer = null;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      void stop.then(resolve);
      void connect(api, reject).then((s) => {
        socket = s;
        s.on('app:log', (e: { app: string; replica: string; line: string }) => {
          if (e.app !== app) return;
          const line = { replica: e.replica, text: e.line };
          if (buffer) buffer.push(line);
          else {
            printed.printedLive(line);
            write(line);
          }
        });
        s.on('connect', () => {
          catchUp(s).catch(reject);
        });
      }, reject);
    });
  } finally {
    (socket as Socket | null)?.close();
  }
}

export { formatLine };
