// Node's own llhttp binding (the parser behind node:http), driven directly so a request costs no
// IncomingMessage/ServerResponse objects. It is created with no lenient flags — exactly what
// node:http does without insecureHTTPParser — so Content-Length + Transfer-Encoding, duplicate or
// malformed lengths, bad chunk sizes and obfuscated header names are refused by the same C code.
import { createRequire } from 'node:module';

export interface ParseError extends Error {
  code: string;
  bytesParsed: number;
}

/** The binding's instance surface we use; callbacks live on numeric slots (kOn*). */
export interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | ParseError;
  finish(): undefined | ParseError;
  close(): void;
  [slot: number]: unknown;
}

interface ParserClass {
  new (): Parser;
  REQUEST: number;
  RESPONSE: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kLenientNone: number;
}

const require = createRequire(import.meta.url);
const common = require('_http_common') as { HTTPParser: ParserClass; methods: string[] };
export const HTTPParser = common.HTTPParser;
/** Method names by the index llhttp reports. */
export const METHODS = common.methods;

export type HeadersComplete = (
  major: number,
  minor: number,
  headers: string[] | undefined,
  method: number,
  url: string | undefined,
  status: number,
  statusText: string | undefined,
  upgrade: boolean,
  keepAlive: boolean,
) => number;

export interface ParserCallbacks {
  begin?(): void;
  head: HeadersComplete;
  body(chunk: Buffer): void;
  complete(): void;
}

/**
 * A parser wired to `cb`. Heads with many headers (or split across reads) arrive in pieces
 * through kOnHeaders before kOnHeadersComplete gets `undefined`; they are stitched back here,
 * as node:http does, so callers always see the whole raw header list and URL. Trailers are dropped.
 */
export function createParser(type: number, maxHeaderSize: number, cb: ParserCallbacks): Parser {
  const p = new HTTPParser();
  p.initialize(type, {}, maxHeaderSize, HTTPParser.kLenientNone);
  let pendingHeaders: string[] = [];
  let pendingUrl = '';
  p[HTTPParser.kOnMessageBegin] = cb.begin ?? null;
  p[HTTPParser.kOnHeaders] = (headers: string[], url: string): void => {
    for (const h of headers) pendingHeaders.push(h);
    pendingUrl += url;
  };
  p[HTTPParser.kOnHeadersComplete] = (
    major: number,
    minor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    status: number,
    statusText: string | undefined,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    if (headers === undefined) {
      headers = pendingHeaders;
      pendingHeaders = [];
    }
    if (url === undefined) {
      url = pendingUrl;
      pendingUrl = '';
    }
    return cb.head(major, minor, headers, method, url, status, statusText, upgrade, keepAlive);
  };
  p[HTTPParser.kOnBody] = cb.body;
  // A chunked message's trailers come through kOnHeaders (with the message's URL again) just
  // before it completes. They are not passed on; left here they would become part of the next
  // message's head on this parser — another client's response, or a request's header list and URL.
  p[HTTPParser.kOnMessageComplete] = (): void => {
    if (pendingHeaders.length !== 0) pendingHeaders = [];
    pendingUrl = '';
    cb.complete();
  };
  return p;
}

/** Releases the native parser once the current call stack (maybe inside a callback) unwinds. */
export function closeParser(p: Parser): void {
  setImmediate(() => p.close());
}
