// One client connection in the fast engine: llhttp parses straight off the socket; each parsed
// request is started only after execute() returns, so a request whose body turns out malformed
// in the same read never reaches an upstream. Pipelined requests wait their turn (reading pauses
// meanwhile), so responses go out in order.
import type { Socket } from 'node:net';
import { rawPage } from '../shared/pages.js';
import { createParser, HTTPParser, METHODS, closeParser, type ParseError, type Parser } from './parser.js';
import { FastRequest, type ClientSide } from './request.js';

export interface ConnHost {
  maxHeaderBytes: number;
  maxBodyBytes: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  activeTimeoutMs: number;
  draining(): boolean;
  start(req: FastRequest): void;
  tunnel(conn: ClientConn, req: FastRequest, socket: Socket, head: Buffer): void;
  closed(conn: ClientConn): void;
}

const PAUSE_QUEUE = 1;
const PAUSE_UPSTREAM = 2;

export class ClientConn implements ClientSide {
  readonly remote: string;
  active: FastRequest | null = null;
  private readonly queue: FastRequest[] = [];
  private parsing: FastRequest | null = null;
  private readonly parser: Parser;
  private inHead = false;
  private headTimer: NodeJS.Timeout | undefined;
  private paused = 0;
  private timeout = 0;
  private upgradeHead: Buffer | null = null;
  /** No more requests are read: closing, or handed to a tunnel. */
  private done = false;
  /**
   * Reading stopped at a parse error, but requests parsed before it are still answered in order;
   * then the connection closes, with this page (400, 431) or none (0: bytes after a request that
   * closes the connection, which llhttp refuses as HPE_CLOSED_CONNECTION and nginx ignores).
   */
  private stopped: number | null = null;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnHost,
  ) {
    const a = socket.remoteAddress ?? '';
    this.remote = a.startsWith('::ffff:') ? a.slice(7) : a;
    this.parser = createParser(HTTPParser.REQUEST, host.maxHeaderBytes, {
      begin: () => {
        this.inHead = true;
      },
      head: (_major, minor, raw, method, url, _s, _t, upgrade, keepAlive) => {
        this.inHead = false;
        const req = new FastRequest(this, METHODS[method] ?? '', url!, raw!, minor, keepAlive, upgrade);
        this.parsing = req;
        this.queue.push(req);
        return 0;
      },
      body: (chunk) => this.parsing?.onBody(chunk, host.maxBodyBytes),
      complete: () => {
        const r = this.parsing;
        this.parsing = null;
        r?.onComplete();
      },
    });
    socket.setNoDelay(true);
    this.setTimeout(host.idleTimeoutMs);
    socket.on('data', this.onData);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  private readonly onData = (d: Buffer): void => {
    if (this.done || this.stopped !== null) return;
    const ret = this.parser.execute(d);
    if (typeof ret !== 'number') {
      this.parseError(ret);
      return;
    }
    const last = this.queue.at(-1);
    if (last?.upgrade) {
      // Bytes after an upgrade head belong to the tunnel, not to HTTP.
      this.upgradeHead = d.subarray(ret);
      this.done = true;
      this.socket.removeListener('data', this.onData);
      this.socket.pause();
    }
    if (this.inHead && this.headTimer === undefined) {
      this.headTimer = setTimeout(() => this.headTimeout(), this.host.headersTimeoutMs);
    } else if (!this.inHead && this.headTimer !== undefined) {
      clearTimeout(this.headTimer);
      this.headTimer = undefined;
    }
    this.pump();
  };

  /** Starts the next parsed request when none is being answered. */
  private pump(): void {
    if (this.active !== null || this.socket.destroyed) return;
    const next = this.queue.shift();
    if (next === undefined) {
      this.resume(PAUSE_QUEUE);
      return;
    }
    if (this.queue.length > 0) this.pause(PAUSE_QUEUE);
    this.active = next;
    this.setTimeout(this.host.activeTimeoutMs);
    if (next.upgrade) {
      this.host.tunnel(this, next, this.socket, this.upgradeHead ?? Buffer.alloc(0));
      return;
    }
    this.host.start(next);
  }

  /** The response to `req` is fully written. */
  finish(req: FastRequest, close: boolean): void {
    if (this.active !== req) return;
    this.active = null;
    // A body still arriving for an answered request cannot be skipped safely: close instead.
    if (close || this.done || !req.keepAlive || !req.requestDone || this.host.draining()) {
      this.end();
      return;
    }
    if (this.stopped !== null && this.queue.length === 0) {
      this.end(this.stopped === 0 ? undefined : rawPage(this.stopped as 400 | 431));
      return;
    }
    this.setTimeout(this.host.idleTimeoutMs);
    this.pump();
  }

  /** Writes `data` (when still possible) and closes after it. */
  end(data?: string | Buffer): void {
    this.done = true;
    if (this.socket.writable) {
      if (typeof data === 'string') this.socket.end(data, 'latin1');
      else if (data) this.socket.end(data);
      else this.socket.end();
    } else this.socket.destroy();
  }

  /** Nothing in flight and no half-read request: safe to close during a drain. */
  get idle(): boolean {
    return this.active === null && this.queue.length === 0 && !this.inHead;
  }

  pause(reason: number): void {
    if (this.paused === 0) this.socket.pause();
    this.paused |= reason;
  }

  resume(reason: number): void {
    if ((this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused === 0 && !this.done) this.socket.resume();
  }

  pauseForUpstream(): void {
    this.pause(PAUSE_UPSTREAM);
  }
  resumeForUpstream(): void {
    this.resume(PAUSE_UPSTREAM);
  }

  private setTimeout(ms: number): void {
    if (ms === this.timeout) return; // the default idle and active limits are equal: no timer work
    this.timeout = ms;
    this.socket.setTimeout(ms);
  }

  private parseError(err: ParseError): void {
    const status = err.code === 'HPE_CLOSED_CONNECTION' ? 0 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const active = this.active;
    const broken = this.parsing;
    this.parsing = null;
    this.inHead = false;
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
    // The active request's own body is malformed: stop it and answer (or cut) now.
    if (broken !== null && broken === active) {
      this.done = true;
      if (active.sink) active.sink.abort(status);
      else this.socket.destroy(); // its answer is still being decided (waking app, ACME)
      return;
    }
    // A queued request whose body is malformed never starts: the error page answers it. The
    // requests before it (complete, since more followed them) are answered first, in order.
    if (broken !== null) this.queue.splice(this.queue.indexOf(broken), 1);
    this.stopped = status;
    if (active !== null) return; // its finish() goes on with the queue
    if (this.queue.length > 0) {
      this.pump();
      return;
    }
    this.end(status === 0 ? undefined : rawPage(status));
  }

  private headTimeout(): void {
    this.headTimer = undefined;
    if (!this.inHead || this.done) return;
    if (this.active === null) this.end(rawPage(408));
    else this.socket.destroy();
  }

  private onClose(): void {
    clearTimeout(this.headTimer);
    this.done = true;
    const active = this.active;
    if (active?.sink) active.sink.abort(499);
    closeParser(this.parser);
    this.host.closed(this);
  }
}
