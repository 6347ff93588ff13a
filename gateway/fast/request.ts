// One client request as the fast engine sees it: the parsed head (raw header list, no objects),
// the few header values the gateway acts on (found in one pass), and its body, buffered until an
// upstream socket takes it and streamed after that.
import { splitTarget, withHost } from '../routing/target.js';
import type { Socket } from 'node:net';

/** The client connection a request came on, as requests and exchanges use it (connection.ts). */
export interface ClientSide {
  readonly socket: Socket;
  readonly remote: string;
  /** The response is out: go on with the next pipelined request, or close. */
  finish(req: FastRequest, close: boolean): void;
  /** Writes the last bytes and closes the connection. */
  end(data?: string | Buffer): void;
  pauseForUpstream(): void;
  resumeForUpstream(): void;
}

/** Where a request's body goes once the request is being proxied. */
export interface BodySink {
  body(chunk: Buffer): void;
  end(): void;
  /** Stop everything: the request is refused mid-way (413, parse error) or the client left. */
  abort(status: number): void;
}

export class FastRequest {
  host: string | undefined;
  /** The target in origin-form (an absolute-form target's authority became the Host). */
  readonly url: string;
  /** The raw header list, Host rewritten for an absolute-form target. */
  readonly raw: string[];
  /** Neither origin-, absolute- nor asterisk-form: answered 400. */
  readonly badTarget: boolean;
  contentLength: string | undefined;
  chunked = false;
  accept = '';
  expect: string | undefined;
  requestDone = false;
  tooLarge = false;
  sink: BodySink | null = null;
  /** Set once the sink writes body chunks straight through (upstream socket attached). */
  streaming = false;
  private buffered: Buffer[] | null = null;
  private bodyBytes = 0;

  constructor(
    readonly conn: ClientSide,
    readonly method: string,
    target: string,
    raw: string[],
    readonly minor: number,
    readonly keepAlive: boolean,
    readonly upgrade: boolean,
  ) {
    const t = splitTarget(target);
    this.badTarget = t === null;
    this.url = t?.path ?? target;
    this.raw = t?.authority ? withHost(raw, t.authority) : raw;
    raw = this.raw;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      switch (name.length) {
        case 4:
          if (this.host === undefined && name.toLowerCase() === 'host') this.host = raw[i + 1];
          break;
        case 6:
          if (name.toLowerCase() === 'accept') this.accept = raw[i + 1]!;
          else if (name.toLowerCase() === 'expect') this.expect = raw[i + 1];
          break;
        case 14:
          if (name.toLowerCase() === 'content-length') this.contentLength = raw[i + 1];
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') this.chunked = true;
          break;
      }
    }
  }

  get hasBody(): boolean {
    return this.chunked || (this.contentLength !== undefined && this.contentLength !== '0');
  }

  get isHead(): boolean {
    return this.method === 'HEAD';
  }

  /** Whether the page for this request should be HTML (a browser) rather than JSON. */
  get wantsHtml(): boolean {
    return this.accept.includes('text/html');
  }

  onBody(chunk: Buffer, maxBytes: number): void {
    this.bodyBytes += chunk.length;
    if (this.bodyBytes > maxBytes) {
      if (!this.tooLarge) {
        this.tooLarge = true;
        this.sink?.abort(413);
      }
      return;
    }
    if (this.streaming) this.sink!.body(chunk);
    else (this.buffered ??= []).push(chunk);
  }

  onComplete(): void {
    this.requestDone = true;
    if (this.streaming) this.sink!.end();
  }

  /** Body bytes that arrived before the upstream socket; the caller writes them, then streams. */
  takeBuffered(): Buffer[] {
    const b = this.buffered ?? [];
    this.buffered = null;
    this.streaming = true;
    return b;
  }

  get bufferedBytes(): number {
    let n = 0;
    if (this.buffered) for (const b of this.buffered) n += b.length;
    return n;
  }
}
