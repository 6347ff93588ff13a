// One request's pass through a compiled chain (chain.ts). Request hooks run in order and stay
// synchronous unless a hook returns a promise; response hooks run in reverse over whatever
// answers. A hook that throws is logged and costs only its own request: a 500 page when it threw
// before the app was asked, a 502 page when it threw on the app's answer (the engine sends it),
// a cut connection when a body filter failed after the head left.
import { HeaderList } from './header-list.js';
import type { BodyWriter, ChainView, PluginAnswer, PluginRequest, PluginResponse } from './types.js';
import { pageBody } from '../shared/pages.js';

/** An answer made at the gateway (a plugin's, or the page for a plugin that failed). */
export interface RawAnswer {
  status: number;
  headers: string[];
  body: Buffer;
}

type FilterMaker = (next: BodyWriter) => BodyWriter;

export class ResponseState implements PluginResponse {
  private filters: FilterMaker[] | null = null;

  constructor(
    public status: number,
    readonly headers: HeaderList,
    readonly bodyless: boolean,
  ) {}

  filter(make: FilterMaker): void {
    (this.filters ??= []).push(make);
  }

  /** Whether a plugin filters the body (else the engine writes it as it comes). */
  get filtered(): boolean {
    return this.filters !== null;
  }

  /**
   * The writer the engine feeds the body into: the filters (the first added reads first) and then
   * `client`. A filter that throws calls `failed` once (the engine cuts the connection).
   */
  writer(client: BodyWriter, failed: (err: unknown) => void): BodyWriter {
    if (this.filters === null) return client;
    let next = client;
    for (let i = this.filters.length - 1; i >= 0; i--) next = this.filters[i]!(next);
    const first = next;
    let broken = false;
    const guard = (fn: () => void): void => {
      if (broken) return;
      try {
        fn();
      } catch (err) {
        broken = true;
        failed(err);
      }
    };
    return {
      write: (chunk) => guard(() => first.write(chunk)),
      end: () => guard(() => first.end()),
      destroy: () => {
        broken = true;
        try {
          first.destroy?.();
        } catch {
          /* already failing */
        }
      },
    };
  }
}

const isPromise = <T>(v: unknown): v is Promise<T> => typeof (v as Promise<T> | undefined)?.then === 'function';

export class PluginRun implements PluginRequest {
  readonly headers: HeaderList;
  readonly app: string;
  private scratch: Map<object, unknown> | null = null;
  /** Plugins whose request hook ran to completion (or answered): their response hooks run. */
  private reached = 0;

  constructor(
    private readonly chain: ChainView,
    readonly method: string,
    public path: string,
    readonly host: string,
    readonly proto: 'http' | 'https',
    readonly remote: string,
    readonly connection: object,
    headers: string[],
  ) {
    this.headers = new HeaderList(headers);
    this.app = chain.app;
  }

  /** Made on first use: most chains (basic-auth, headers) never need it. */
  get locals(): Map<object, unknown> {
    return (this.scratch ??= new Map());
  }

  /** null: go on to the app; an answer: send it instead. A promise only when a hook is async. */
  request(): RawAnswer | null | Promise<RawAnswer | null> {
    if (this.chain.broken !== null) return this.failurePage(500);
    return this.from(0);
  }

  private from(start: number): RawAnswer | null | Promise<RawAnswer | null> {
    const entries = this.chain.entries;
    for (let i = start; i < entries.length; i++) {
      const hook = entries[i]!.instance;
      this.reached = i;
      if (hook.onRequest === undefined) continue;
      let out: PluginAnswer | void | Promise<PluginAnswer | void>;
      try {
        out = hook.onRequest(this);
      } catch (err) {
        return this.hookFailed(i, 'request', err);
      }
      if (isPromise<PluginAnswer | void>(out)) {
        return out.then(
          (a) => (a ? this.answer(a) : this.from(i + 1)),
          (err: unknown) => this.hookFailed(i, 'request', err),
        );
      }
      if (out) return this.answer(out);
    }
    this.reached = entries.length;
    return null;
  }

  /**
   * Runs the response hooks of every plugin the request went through, last first. null: a hook
   * threw (logged); the engine answers 502 instead.
   */
  respond(status: number, headers: string[], bodyless: boolean): ResponseState | null {
    const res = new ResponseState(status, new HeaderList(headers), bodyless);
    const entries = this.chain.entries;
    for (let i = this.reached - 1; i >= 0; i--) {
      const hook = entries[i]!.instance;
      if (hook.onResponse === undefined) continue;
      try {
        hook.onResponse(this, res);
      } catch (err) {
        this.hookFailed(i, 'response', err);
        return null;
      }
    }
    return res;
  }

  /** A body filter failed after the head was sent. */
  filterFailed(err: unknown): void {
    this.chain.log.error({ err, app: this.app, host: this.host }, 'plugin body filter failed; connection closed');
  }

  private answer(a: PluginAnswer): RawAnswer {
    const body = a.body === undefined ? Buffer.alloc(0) : typeof a.body === 'string' ? Buffer.from(a.body) : a.body;
    const headers: string[] = Array.isArray(a.headers) ? a.headers.slice() : [];
    if (!Array.isArray(a.headers)) for (const [k, v] of Object.entries(a.headers ?? {})) headers.push(k, v);
    const list = new HeaderList(headers);
    // A 304's Content-Length would have to be the 200's (RFC 9110 §8.6): none is sent.
    if (a.status !== 304) list.set('content-length', String(body.length));
    // A refusal (401, 403, 429) must not be stored by a cache in front of the gateway.
    if (a.status >= 400 && !list.has('cache-control')) headers.push('cache-control', 'no-store');
    return { status: a.status, headers, body };
  }

  private hookFailed(i: number, phase: 'request' | 'response', err: unknown): RawAnswer {
    this.chain.log.error(
      { err, app: this.app, host: this.host, plugin: this.chain.entries[i]!.name, phase },
      'plugin failed; request answered with an error page',
    );
    return this.failurePage(500);
  }

  /** The gateway's own page, with the requester's preferred format (not run through plugins that failed). */
  failurePage(status: number): RawAnswer {
    const html = (this.headers.get('accept') ?? '').includes('text/html');
    const body = pageBody(status, html);
    return {
      status,
      headers: [
        'content-type',
        html ? 'text/html; charset=utf-8' : 'application/json',
        'content-length',
        String(body.length),
        'cache-control',
        'no-store',
      ],
      body,
    };
  }
}
