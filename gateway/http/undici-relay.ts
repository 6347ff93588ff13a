// One proxied request: an undici dispatch handler (the raw callback API, which skips the stream
// and header-object layers) that writes the upstream response straight into the client response,
// with backpressure both ways, retry of refused connections (and, for idempotent bodiless requests,
// of connections cut before any answer) and passive health marking.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Backend } from '../balancing/backends.js';
import { pick } from '../balancing/pick.js';
import { cutBeforeAnswer, mayRetry, neverReachedApp } from '../balancing/retry.js';
import type { CompiledRoute } from '../routing/index-table.js';
import type { PluginRun } from '../plugins/run.js';
import type { BodyWriter } from '../plugins/types.js';
import { forwardResponseHeaders } from '../shared/headers.js';
import { sendPage } from '../shared/pages.js';

export interface ExchangeHost {
  passiveDownMs: number;
  finished(x: Exchange, status: number): void;
}

export class Exchange {
  backend: Backend | null = null;
  status = 0;
  private abort: ((err?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
  private attempts = 0;
  private done = false;
  /** The route's plugins for this request (null on the plugin-free path) and the body writer they set up. */
  run: PluginRun | null = null;
  private writer: BodyWriter | null = null;
  private blocked = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly route: CompiledRoute,
    readonly opts: Dispatcher.DispatchOptions,
    readonly requestId: string,
    readonly remote: string,
    readonly start: number,
    private readonly host: ExchangeHost,
  ) {}

  send(backend: Backend): void {
    this.backend = backend;
    this.attempts++;
    backend.inflight++;
    backend.pool.dispatch(this.opts, this as unknown as Dispatcher.DispatchHandler);
  }

  /** The client went away: stop the upstream side too. */
  cancel(): void {
    if (this.done) return;
    if (this.abort) this.abort(new Error('client closed'));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.res.destroyed) abort(new Error('client closed'));
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true; // informational; the final response follows
    this.resume = resume;
    if (this.run !== null) return this.withPlugins(status, statusText, raw);
    this.status = status;
    this.res.writeHead(status, statusText, forwardResponseHeaders(raw));
    return true;
  }

  private withPlugins(status: number, statusText: string, raw: Buffer[]): boolean {
    const bodyless = this.opts.method === 'HEAD' || status === 204 || status === 304;
    const res = this.run!.respond(status, forwardResponseHeaders(raw), bodyless);
    if (res === null) {
      // A response hook threw: onError answers 502 (nothing was sent yet).
      this.abort?.(Object.assign(new Error('plugin failed'), { name: 'PluginFailed' }));
      return false;
    }
    this.status = res.status;
    this.res.writeHead(res.status, res.status === status ? statusText : undefined, res.headers.raw);
    if (!res.filtered) return true; // the body goes out as it comes, like a plugin-free response
    const client: BodyWriter = {
      write: (chunk) => {
        if (this.done || chunk.length === 0) return;
        if (!this.res.write(chunk) && !this.blocked) {
          this.blocked = true;
          this.res.once('drain', () => {
            this.blocked = false;
            this.resume?.();
          });
        }
      },
      end: () => {
        if (!this.done) {
          this.res.end();
          this.finish(this.status);
        }
      },
      destroy: () => {
        if (!this.done) {
          this.res.destroy();
          this.finish(this.status);
        }
      },
    };
    this.writer = res.writer(client, (err) => {
      this.run?.filterFailed(err);
      client.destroy!();
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.writer !== null) {
      this.writer.write(chunk);
      return !this.blocked;
    }
    const ok = this.res.write(chunk);
    if (!ok && this.resume) this.res.once('drain', this.resume);
    return ok;
  }

  onComplete(): void {
    // Filters may still hold bytes (a compressor flushes on end): the client side ends through them.
    if (this.writer !== null) {
      this.writer.end();
      return;
    }
    this.res.end();
    this.finish(this.status);
  }

  onError(err: Error & { code?: string }): void {
    const backend = this.backend!;
    backend.inflight--;
    const code = err.code ?? '';
    // Cut before any of the answer came back (nothing sent to the client yet): the replica died
    // with the request in it; not marked down for that (one cut says little about the next).
    const cut = cutBeforeAnswer(code) && this.status === 0 && !this.res.headersSent;
    if (neverReachedApp(code) || cut) {
      if (!cut) backend.downUntil = Date.now() + this.host.passiveDownMs;
      const retryable = mayRetry(this.opts.method, this.opts.body != null, this.attempts) && !this.res.destroyed;
      const next = retryable ? pick(this.route, Date.now(), backend) : null;
      if (next) {
        this.abort = null;
        this.send(next);
        return;
      }
    }
    this.backend = null; // inflight already released
    this.writer?.destroy?.();
    this.writer = null;
    if (this.res.destroyed) {
      this.finish(499);
      return;
    }
    if (this.res.headersSent) {
      this.res.destroy();
      this.finish(this.status);
      return;
    }
    const status = err.name === 'BodyTooLarge' ? 413 : code === 'UND_ERR_HEADERS_TIMEOUT' ? 504 : neverReachedApp(code) ? 503 : 502;
    sendPage(this.req, this.res, status, this.requestId);
    this.finish(status);
  }

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    if (this.backend) this.backend.inflight--;
    // Bookkeeping must never turn into an upstream error (undici would route a throw to onError).
    try {
      this.host.finished(this, status);
    } catch {
      /* counted as best effort */
    }
  }
}
