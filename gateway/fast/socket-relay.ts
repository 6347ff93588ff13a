// One proxied request in the fast engine: the pre-serialised head (and body) written to a pooled
// upstream socket, the upstream's response re-framed onto the client socket, with backpressure
// both ways, retry of refused connections (and of keep-alive races, and of connections cut
// before any answer) for idempotent bodiless requests, and passive health marking — the same
// rules as http/undici-relay.ts.
import type { Backend } from '../balancing/backends.js';
import { pick } from '../balancing/pick.js';
import { cutBeforeAnswer, mayRetry, neverReachedApp } from '../balancing/retry.js';
import type { CompiledRoute } from '../routing/index-table.js';
import type { PluginRun } from '../plugins/run.js';
import type { BodyWriter } from '../plugins/types.js';
import type { BodySink, FastRequest } from './request.js';
import type { UpstreamConn, UpstreamUser } from './upstream.js';
import { pageResponse, responseHead } from './wire.js';

export interface FastExchangeHost {
  passiveDownMs: number;
  draining(): boolean;
  finished(x: FastExchange, status: number): void;
}

/** A reused keep-alive socket that the upstream closed just as we wrote: nothing was processed. */
const RACED = new Set(['ECONNRESET', 'EPIPE', 'EOF']);
const LAST_CHUNK = '0\r\n\r\n';

export class FastExchange implements UpstreamUser, BodySink {
  backend: Backend | null = null;
  status = 0;
  private conn: UpstreamConn | null = null;
  private attempts = 0;
  private headSent = false;
  private chunkedOut = false;
  private closeClient = false;
  private sentAll = false;
  private done = false;
  private corked = false;
  /** The route's plugins for this request (null on the plugin-free path) and the body writer they set up. */
  run: PluginRun | null = null;
  private writer: BodyWriter | null = null;

  constructor(
    readonly req: FastRequest,
    readonly route: CompiledRoute,
    private readonly head: string,
    readonly requestId: string,
    readonly start: number,
    private readonly host: FastExchangeHost,
  ) {}

  send(backend: Backend, fresh = false): void {
    this.backend = backend;
    this.attempts++;
    backend.inflight++;
    backend.fastPool().acquire(this, fresh);
  }

  onSocket(conn: UpstreamConn): void {
    this.conn = conn;
    const s = conn.socket;
    s.cork();
    s.write(this.head, 'latin1');
    const req = this.req;
    if (!req.hasBody) this.sentAll = true;
    else {
      for (const chunk of req.takeBuffered()) this.body(chunk);
      if (req.requestDone) this.end();
    }
    s.uncork();
  }

  body(chunk: Buffer): void {
    const s = this.conn!.socket;
    if (this.req.chunked) s.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    const ok = s.write(chunk);
    if (this.req.chunked) s.write('\r\n', 'latin1');
    if (!ok) {
      this.req.conn.pauseForUpstream();
      s.once('drain', () => this.req.conn.resumeForUpstream());
    }
  }

  end(): void {
    if (this.req.chunked) this.conn!.socket.write(LAST_CHUNK, 'latin1');
    this.sentAll = true;
  }

  onHead(status: number, statusText: string | undefined, raw: string[], _keepAlive: boolean): number {
    const req = this.req;
    const bodyless = req.isHead || status === 204 || status === 304;
    if (this.run !== null) {
      // The parser's own list (ours to change): hop-by-hop fields in it are dropped by responseHead below.
      const res = this.run.respond(status, raw, bodyless);
      if (res === null) {
        this.abort(502);
        return 1;
      }
      if (res.status !== status) statusText = undefined;
      status = res.status;
      raw = res.headers.raw;
      if (res.filtered)
        this.writer = res.writer(this.clientWriter(), (err) => {
          this.run?.filterFailed(err);
          this.abort(502);
        });
    }
    this.status = status;
    const close = !req.keepAlive || !req.requestDone || this.host.draining();
    const r = responseHead(status, statusText, raw, req.minor, close, bodyless);
    this.chunkedOut = r.chunked;
    this.closeClient = close || r.closeDelimited;
    const client = req.conn.socket;
    // Head and the body bytes of the same read leave in one write (flush uncorks).
    client.cork();
    this.corked = true;
    client.write(r.head, 'latin1');
    this.headSent = true;
    return req.isHead ? 1 : 0;
  }

  onBody(chunk: Buffer): void {
    if (this.writer !== null) this.writer.write(chunk);
    else this.toClient(chunk);
  }

  private toClient(chunk: Buffer): void {
    const client = this.req.conn.socket;
    if (this.chunkedOut) client.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    const ok = client.write(chunk);
    if (this.chunkedOut) client.write('\r\n', 'latin1');
    if (!ok && this.conn) {
      const up = this.conn.socket;
      up.pause();
      client.once('drain', () => up.resume());
    }
  }

  /** Where plugin body filters write: the client, framed like an unfiltered body (made only for plugin routes). */
  private clientWriter(): BodyWriter {
    return {
      write: (chunk) => {
        if (!this.done && chunk.length > 0) this.toClient(chunk);
      },
      end: () => {
        if (!this.done) this.clientDone();
      },
      // A filter that failed later (a compressor's error): cut the response.
      destroy: () => {
        if (this.writer !== null) this.abort(502);
      },
    };
  }

  flush(): void {
    if (this.corked) {
      this.corked = false;
      this.req.conn.socket.uncork();
    }
  }

  onEnd(keepAlive: boolean): void {
    const conn = this.conn!;
    this.conn = null;
    conn.release(keepAlive && this.sentAll);
    // Filters may still hold bytes (a compressor flushes on end): the client side ends through them.
    if (this.writer !== null) this.writer.end();
    else this.clientDone();
  }

  private clientDone(): void {
    if (this.chunkedOut) this.req.conn.socket.write(LAST_CHUNK, 'latin1');
    this.flush();
    this.finish(this.status);
    this.req.conn.finish(this.req, this.closeClient);
  }

  onError(code: string, conn: UpstreamConn): void {
    const backend = this.backend!;
    this.conn = null;
    if (this.done) return;
    const notConnected = neverReachedApp(code);
    const raced = !notConnected && conn.served > 0 && !conn.gotBytes && RACED.has(code);
    // A fresh connection cut before any of the answer came back: the replica died (or closed) with
    // the request in it — another replica gets it, as nginx's proxy_next_upstream does.
    const cut = !notConnected && !raced && !conn.gotBytes && !this.headSent && cutBeforeAnswer(code);
    if (notConnected) backend.downUntil = Date.now() + this.host.passiveDownMs;
    const req = this.req;
    if ((notConnected || raced || cut) && mayRetry(req.method, req.hasBody, this.attempts) && !req.conn.socket.destroyed) {
      const next = raced ? backend : pick(this.route, Date.now(), backend);
      if (next) {
        backend.inflight--;
        this.send(next, raced);
        return;
      }
    }
    const status = code === 'TIMEOUT' && !this.headSent ? 504 : notConnected ? 503 : 502;
    this.abort(status);
  }

  /** Ends the exchange early: a page when nothing was sent yet, else a cut connection. */
  abort(status: number): void {
    if (this.done) return;
    const writer = this.writer;
    this.writer = null;
    writer?.destroy?.();
    const conn = this.conn;
    this.conn = null;
    if (conn) {
      conn.user = null;
      conn.destroy();
    } else this.backend?.fastPool().cancel(this);
    const req = this.req;
    const client = req.conn;
    if (status === 499 || client.socket.destroyed) {
      this.finish(499);
      return;
    }
    if (this.headSent) {
      client.socket.destroy();
      this.finish(this.status);
      return;
    }
    this.finish(status);
    client.end(pageResponse(status, req.wantsHtml, req.isHead, this.requestId, true));
  }

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    if (this.backend) this.backend.inflight--;
    try {
      this.host.finished(this, status);
    } catch {
      /* counted as best effort */
    }
  }
}
