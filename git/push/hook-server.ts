// The loopback channel between an app repo's proc-receive hook and the service. Each
// receive-pack process gets a one-time push id + secret in its env; the hook sends them back with
// the ref lines, and the service answers with a stream of JSON lines: `{line}` to print, then
// `{done, ok, results}` (one result per ref). Anything that does not present a live secret is
// dropped. Nothing here waits for another push: a push's deploy takes its turn in the deploy
// pipeline (which switches routes in push order) and moves its branch then.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { Logger } from '../../common/log/logger.js';
import { HOOK_ENV } from '../repos/hook.js';
import type { GitAccess, PushHandler } from '../types.js';
import { contains, moveRef } from './move-ref.js';
import { receivePush, type Pending, type PushDeps } from './run-push.js';

const MAX_REQUEST = 1024 * 1024;

interface HookRequest {
  pushId: string;
  secret: string;
  app: string;
  userId: string;
  refs: string;
}

function isHookRequest(value: unknown): value is HookRequest {
  const v = value as Partial<HookRequest> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.pushId === 'string' &&
    typeof v.secret === 'string' &&
    typeof v.app === 'string' &&
    typeof v.userId === 'string' &&
    typeof v.refs === 'string'
  );
}

export class HookServer {
  private readonly pending = new Map<string, Pending & { secret: Buffer }>();
  private readonly server = net.createServer((sock) => this.onConnection(sock));
  private readonly sockets = new Set<net.Socket>();
  private readonly deps: PushDeps;
  port = 0;

  constructor(
    private readonly log: Logger,
    onPush: PushHandler,
    access: Pick<GitAccess, 'deployBranch' | 'mayAccess'>,
  ) {
    this.deps = { onPush, access, log, moveRef, contains };
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Env for one receive-pack process; call `release` when it exits so the secret dies with it. */
  register(app: string, userId: string, repoPath: string): { env: Record<string, string>; release: () => void } {
    const pushId = randomUUID();
    const secret = randomBytes(32);
    this.pending.set(pushId, { app, userId, repoPath, secret });
    return {
      env: {
        [HOOK_ENV.port]: String(this.port),
        [HOOK_ENV.pushId]: pushId,
        [HOOK_ENV.secret]: secret.toString('hex'),
        [HOOK_ENV.app]: app,
        [HOOK_ENV.userId]: userId,
      },
      release: () => {
        this.pending.delete(pushId);
      },
    };
  }

  /** One-time: a matching secret is consumed, so a replayed request finds nothing. */
  private claim(req: HookRequest): Pending | null {
    const entry = this.pending.get(req.pushId);
    if (!entry) return null;
    const given = Buffer.from(req.secret, 'hex');
    if (given.length !== entry.secret.length || !timingSafeEqual(given, entry.secret)) return null;
    this.pending.delete(req.pushId);
    if (req.app !== entry.app || req.userId !== entry.userId) return null;
    return { app: entry.app, userId: entry.userId, repoPath: entry.repoPath };
  }

  private onConnection(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.setEncoding('utf8');
    sock.setTimeout(10_000, () => sock.destroy());
    let buffered = '';
    const onData = (data: string): void => {
      buffered += data;
      if (buffered.length > MAX_REQUEST) {
        sock.destroy();
        return;
      }
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      sock.off('data', onData);
      sock.setTimeout(0);
      let parsed: unknown;
      try {
        parsed = JSON.parse(buffered.slice(0, nl));
      } catch {
        parsed = null;
      }
      const pending = isHookRequest(parsed) ? this.claim(parsed) : null;
      if (!isHookRequest(parsed) || !pending) {
        this.log.warn('git hook: request with no valid push secret refused');
        sock.destroy();
        return;
      }
      const send = (msg: object): void => {
        if (!sock.destroyed && sock.writable) sock.write(JSON.stringify(msg) + '\n');
      };
      const print = (line: string): void => send({ line });
      receivePush(pending, parsed.refs, this.deps, print)
        .then((results) => {
          send({ done: true, ok: results.every((r) => r.ok), results });
          sock.end();
        })
        .catch((err: unknown) => {
          this.log.error({ err }, 'git hook: push handling failed');
          send({ line: '! Internal error while handling the push' });
          send({ done: true, ok: false });
          sock.end();
        });
    };
    sock.on('data', onData);
  }
}
