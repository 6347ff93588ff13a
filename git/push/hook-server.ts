// The loopback channel between an app repo's hooks and the service. Each receive-pack process
// gets a one-time push id + secret in its env; each hook (pre-receive, then proc-receive) sends
// them back with its phase and the ref lines, once per phase, and the service answers with a
// stream of JSON lines: `{line}` to print, then `{done, ok, results?}`. Anything that does not
// present a live secret is dropped. Nothing here waits for another push: a push's deploy takes
// its turn in the deploy pipeline (which switches routes in push order) and moves its branch then.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { Logger } from '../../common/log/logger.js';
import { HOOK_ENV, type HookPhase } from '../repos/hook.js';
import type { GitAccess, PushHandler } from '../types.js';
import { contains, moveRef } from './move-ref.js';
import { checkPush, receivePush, type Pending, type PushDeps } from './run-push.js';

const MAX_REQUEST = 1024 * 1024;

interface HookRequest { phase: HookPhase; pushId: string; secret: string; app: string; userId: string; refs: string }

function isHookRequest(value: unknown): value is HookRequest {
  const v = value as Partial<HookRequest> | null;
  return typeof v === 'object' && v !== null && (v.phase === 'check' || v.phase === 'receive') && typeof v.pushId === 'string' && typeof v.secret === 'string'
    && typeof v.app === 'string' && typeof v.userId === 'string' && typeof v.refs === 'string';
}

export class HookServer {
  private readonly pending = new Map<string, Pending & { secret: Buffer; claimed: Set<HookPhase>; checked: boolean }>();
  private readonly server = net.createServer((sock) => this.onConnection(sock));
  private readonly sockets = new Set<net.Socket>();
  private readonly deps: PushDeps;
  port = 0;

  constructor(private readonly log: Logger, onPush: PushHandler, access: Pick<GitAccess, 'deployBranch' | 'mayAccess'>) {
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
    this.pending.set(pushId, { app, userId, repoPath, secret, claimed: new Set(), checked: false });
    return {
      env: {
        [HOOK_ENV.port]: String(this.port), [HOOK_ENV.pushId]: pushId, [HOOK_ENV.secret]: secret.toString('hex'),
        [HOOK_ENV.app]: app, [HOOK_ENV.userId]: userId,
      },
      release: () => { this.pending.delete(pushId); },
    };
  }

  /**
   * Once per phase: a replayed request for a phase already claimed finds nothing, and the
   * receive phase only follows a check that passed.
   */
  private claim(req: HookRequest): (Pending & { passed(): void }) | null {
    const entry = this.pending.get(req.pushId);
    if (!entry) return null;
    const given = Buffer.from(req.secret, 'hex');
    if (given.length !== entry.secret.length || !timingSafeEqual(given, entry.secret)) return null;
    if (entry.claimed.has(req.phase) || req.app !== entry.app || req.userId !== entry.userId) return null;
    if (req.phase === 'receive' && !entry.checked) return null;
    entry.claimed.add(req.phase);
    return { app: entry.app, userId: entry.userId, repoPath: entry.repoPath, passed: () => { entry.checked = true; } };
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
      const print = (line: string): void => send({ line });
      const handled = parsed.phase === 'check'
        ? checkPush(pending, parsed.refs, this.deps, print).then((ok) => { if (ok) pending.passed(); return { ok }; })
        : receivePush(pending, parsed.refs, this.deps, print).then((results) => ({ ok: results.every((r) => r.ok), results }));
      handled
        .then((answer) => { send({ done: true, ...answer }); sock.end(); })
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
