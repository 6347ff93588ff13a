// The loopback channel between the pre-receive hook and the service. Each receive-pack process
// gets a one-time push id + secret in its env; the hook sends them back with the ref lines and
// the quarantine env, and the service answers with a stream of JSON lines: `{line}` to print,
// then `{done, ok}`. Anything that does not present a live secret is dropped. Pushes to one app
// take turns (app-lock.ts) from the hook's call until their receive-pack exits.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { Logger } from '../../common/log/logger.js';
import { HOOK_ENV } from '../repos/hook.js';
import type { GitAccess, PushHandler } from '../types.js';
import { AppLocks, type PushLocks } from './app-lock.js';
import { currentRef } from './current-ref.js';
import { quarantineEnv, runPush, type Pending, type PushDeps } from './run-push.js';

const MAX_REQUEST = 1024 * 1024;

interface HookRequest { pushId: string; secret: string; app: string; userId: string; refs: string; gitEnv: Record<string, unknown> }

function isHookRequest(value: unknown): value is HookRequest {
  const v = value as Partial<HookRequest> | null;
  return typeof v === 'object' && v !== null && typeof v.pushId === 'string' && typeof v.secret === 'string'
    && typeof v.app === 'string' && typeof v.userId === 'string' && typeof v.refs === 'string'
    && typeof v.gitEnv === 'object' && v.gitEnv !== null;
}

export class HookServer {
  private readonly pending = new Map<string, Pending & { secret: Buffer }>();
  private readonly server = net.createServer((sock) => this.onConnection(sock));
  private readonly sockets = new Set<net.Socket>();
  private readonly locks: PushLocks;
  /** Ends the lock turn of a push whose hook called in; run when its receive-pack exits. */
  private readonly turns = new Map<string, () => void>();
  private readonly deps: PushDeps;
  port = 0;

  constructor(private readonly log: Logger, onPush: PushHandler, access: Pick<GitAccess, 'deployBranch' | 'mayAccess'>, locks?: PushLocks) {
    this.deps = { onPush, access, log, currentRef };
    this.locks = locks ?? new AppLocks();
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
        [HOOK_ENV.port]: String(this.port), [HOOK_ENV.pushId]: pushId, [HOOK_ENV.secret]: secret.toString('hex'),
        [HOOK_ENV.app]: app, [HOOK_ENV.userId]: userId,
      },
      release: () => {
        this.pending.delete(pushId);
        this.turns.get(pushId)?.();
        this.turns.delete(pushId);
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

  /**
   * Waits for the pushes to `app` before this one. False when this push's receive-pack exited
   * meanwhile (its turn then ends at once). The turn otherwise ends at `release`, after git
   * moved the ref, so the next push sees where the branch is.
   */
  private async takeTurn(pushId: string, app: string, print: (line: string) => void): Promise<boolean> {
    this.turns.set(pushId, () => undefined); // a release while waiting is remembered
    const turn = await this.locks.take(app, pushId);
    if (!this.turns.has(pushId)) { turn.end(); return false; }
    // From now on a release (receive-pack exited) also ends the wait.
    this.turns.set(pushId, () => turn.end());
    if (turn.ahead > 0) print(`-----> Waiting for the push in progress to ${app}`);
    try {
      await turn.ready;
    } catch (err) {
      turn.end();
      throw err;
    }
    if (!this.turns.has(pushId)) { turn.end(); return false; }
    return true;
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
      if (buffered.length > MAX_REQUEST) { sock.destroy(); return; }
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      sock.off('data', onData);
      sock.setTimeout(0);
      let parsed: unknown;
      try { parsed = JSON.parse(buffered.slice(0, nl)); } catch { parsed = null; }
      const pending = isHookRequest(parsed) ? this.claim(parsed) : null;
      if (!isHookRequest(parsed) || !pending) {
        this.log.warn('git hook: request with no valid push secret refused');
        sock.destroy();
        return;
      }
      const send = (msg: object): void => { if (!sock.destroyed && sock.writable) sock.write(JSON.stringify(msg) + '\n'); };
      const gitEnv = quarantineEnv(parsed.gitEnv, pending.repoPath);
      this.takeTurn(parsed.pushId, pending.app, (line) => send({ line }))
        .then((go) => (go && !sock.destroyed ? runPush(pending, parsed.refs, gitEnv, this.deps, (line) => send({ line })) : false))
        .then((ok) => { send({ done: true, ok }); sock.end(); })
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
