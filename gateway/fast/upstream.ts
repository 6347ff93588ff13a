// Keep-alive connections to one upstream for the fast engine: raw sockets with a response parser
// each, handed out last-in-first-out (the warmest first), capped at `max` with a FIFO of waiters.
// An idle socket older than the upstream's keep-alive hint (minus a second) is not reused, so a
// request rarely races the upstream closing it; the exchange retries the rare one that does.
// A response ends (and its socket is released) only once the parser has returned from the read
// that completed it: any byte after the response in that read, or on an idle socket, means the
// upstream said more than it was asked, so the socket is closed rather than handed on with it.
import net from 'node:net';
import { closeParser, createParser, HTTPParser, type Parser } from './parser.js';

export interface UpstreamUser {
  /** Response head; returns 1 to tell the parser there is no body (HEAD), else 0. */
  onHead(status: number, statusText: string | undefined, raw: string[], keepAlive: boolean): number;
  onBody(chunk: Buffer): void;
  onEnd(keepAlive: boolean): void;
  /** `code`: errno, 'CONNECT_TIMEOUT', 'TIMEOUT', 'EOF', 'SWITCHED' (a 101) or an llhttp HPE_* code. */
  onError(code: string, conn: UpstreamConn): void;
  /** Called after each read from the upstream: what it produced for the client leaves now. */
  flush(): void;
  /** The pool had a socket for this user (it may still be connecting). */
  onSocket(conn: UpstreamConn): void;
}

const DEFAULT_KEEPALIVE_MS = 4_000;
/**
 * Each upstream socket reads into its own reused buffer: no allocation per read. Safe because
 * nothing keeps a view of it: header strings are copies, and Node's parser binding hands body
 * bytes over as copies (Buffer::Copy in on_body) — gateway/streaming.test.ts checks the bytes.
 */
const READ_BUFFER_BYTES = 16 * 1024;
const HINT = /timeout=(\d+)/i;

export class UpstreamConn {
  readonly socket: net.Socket;
  user: UpstreamUser | null = null;
  connected = false;
  /** Responses completed on this socket: a failure on a reused socket may be a keep-alive race. */
  served = 0;
  /** Bytes of the current response seen; a failure before any is safe to retry. */
  gotBytes = false;
  idleSince = 0;
  keepAliveMs = DEFAULT_KEEPALIVE_MS;
  private final = false;
  /** Set during execute(): the response completed; bytes after it; a 101 (never asked for). */
  private ended = false;
  private extra = false;
  private switched = false;
  private dead = false;
  private keepAlive = false;
  private readonly parser: Parser;

  constructor(
    private readonly pool: UpstreamPool,
    host: string,
    port: number,
    connectTimeoutMs: number,
    private readonly timeoutMs: number,
  ) {
    this.parser = createParser(HTTPParser.RESPONSE, 0, {
      begin: () => {
        if (this.ended) this.extra = true;
      },
      head: (_ma, _mi, raw, _m, _u, status, text, _up, keepAlive) => {
        if (this.ended) return 1;
        // Upgrades have their own sockets (tunnel.ts): a 101 here answers a request that asked for none.
        if (status === 101) {
          this.switched = true;
          return 1;
        }
        if (status < 200) return 1; // informational: the final head follows
        this.final = true;
        this.keepAlive = keepAlive;
        for (let i = 0; i < raw!.length; i += 2) {
          if (raw![i]!.length === 10 && raw![i]!.toLowerCase() === 'keep-alive') {
            const m = HINT.exec(raw![i + 1]!);
            if (m) this.keepAliveMs = Math.max(0, Number(m[1]) * 1000 - 1000);
          }
        }
        return this.user ? this.user.onHead(status, text, raw!, keepAlive) : 1;
      },
      body: (chunk) => {
        if (!this.ended) this.user?.onBody(chunk);
      },
      // Noted only: the user ends (and the socket may go to a waiting request) after execute().
      complete: () => {
        if (!this.final || this.ended) return;
        this.final = false;
        this.ended = true;
      },
    });
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (n: number, buf: Uint8Array) => {
          this.data(buf as Buffer, n);
          return true;
        },
      },
    });
    this.socket.setTimeout(connectTimeoutMs);
    this.socket.once('connect', () => {
      this.connected = true;
      this.socket.setTimeout(this.timeoutMs);
    });
    this.socket.on('timeout', () => this.fail(this.connected ? 'TIMEOUT' : 'CONNECT_TIMEOUT'));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? 'ERROR'));
    this.socket.on('end', () => {
      // A response delimited by the close ends here; anything else is an early EOF.
      if (this.user && this.final) {
        this.parser.finish();
        if (this.ended) this.end(false);
      }
      this.fail('EOF');
    });
    this.socket.on('close', () => this.fail('EOF'));
  }

  private data(buf: Buffer, n: number): void {
    const user = this.user;
    if (!user) {
      this.destroy();
      return;
    } // nothing was asked: an idle socket must stay silent
    this.gotBytes = true;
    const ret = this.parser.execute(buf.subarray(0, n));
    if (this.switched) {
      this.fail('SWITCHED');
      return;
    }
    // A parse error after the response completed is about bytes that follow it: `extra`.
    if (this.ended) {
      this.end(!this.extra && typeof ret === 'number');
      return;
    }
    if (typeof ret !== 'number') {
      this.fail(ret.code);
      return;
    }
    user.flush();
  }

  /** The response completed: its user ends; the socket is reused only if nothing followed it. */
  private end(clean: boolean): void {
    this.ended = false;
    this.extra = false;
    this.served++;
    const user = this.user;
    if (!user) {
      this.destroy();
      return;
    } // the exchange was aborted meanwhile
    if (!clean) this.keepAlive = false;
    user.onEnd(this.keepAlive);
  }

  private fail(code: string): void {
    const user = this.user;
    this.user = null;
    this.destroy();
    if (user) user.onError(code, this);
  }

  /** Hands the socket to its next request. */
  attach(user: UpstreamUser): void {
    this.user = user;
    this.gotBytes = false;
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    this.pool.forget(this);
    closeParser(this.parser);
  }

  /** The response is complete: back to the pool when both sides agree on keep-alive. */
  release(reusable: boolean): void {
    this.user = null;
    if (reusable && !this.socket.destroyed) this.pool.giveBack(this);
    else this.destroy();
  }
}

export class UpstreamPool {
  private readonly idle: UpstreamConn[] = [];
  private readonly waiters: UpstreamUser[] = [];
  private readonly open = new Set<UpstreamConn>();
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly max: number,
    private readonly connectTimeoutMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** Gives `user` a socket now (onSocket) or once one is free. */
  acquire(user: UpstreamUser, fresh = false): void {
    const now = Date.now();
    while (!fresh && this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (now - c.idleSince < c.keepAliveMs) {
        c.attach(user);
        user.onSocket(c);
        return;
      }
      c.destroy();
    }
    if (this.open.size < this.max || fresh) {
      const c = new UpstreamConn(this, this.host, this.port, this.connectTimeoutMs, this.timeoutMs);
      this.open.add(c);
      c.attach(user);
      user.onSocket(c);
      return;
    }
    this.waiters.push(user);
  }

  /** A waiter that gave up (its client left). */
  cancel(user: UpstreamUser): void {
    const i = this.waiters.indexOf(user);
    if (i !== -1) this.waiters.splice(i, 1);
  }

  giveBack(c: UpstreamConn): void {
    const next = this.waiters.shift();
    if (next) {
      c.attach(next);
      next.onSocket(c);
      return;
    }
    if (this.closed) {
      c.destroy();
      return;
    }
    c.idleSince = Date.now();
    this.idle.push(c);
  }

  forget(c: UpstreamConn): void {
    if (!this.open.delete(c)) return;
    const i = this.idle.indexOf(c);
    if (i !== -1) this.idle.splice(i, 1);
    // A slot opened: a waiter gets a new connection rather than waiting for a busy one.
    const next = this.waiters.shift();
    if (next) this.acquire(next);
  }

  /** Closes idle sockets now and busy ones once no request is left waiting for them. */
  close(): void {
    this.closed = true;
    for (const c of [...this.idle]) c.destroy();
  }
}
