// Serialising heads for the fast engine: the upstream request head, the client response head and
// the gateway's own pages, as latin1 strings (llhttp hands header bytes over as latin1, so bytes
// round-trip unchanged). Hop-by-hop filtering matches shared/headers.ts, Connection-listed
// fields included.
import { STATUS_CODES } from 'node:http';
import { listedResponseFields } from '../shared/headers.js';
import { pageBody } from '../shared/pages.js';

const RESPONSE_DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
]);
const DROP_LEN: boolean[] = [];
for (const n of RESPONSE_DROP) DROP_LEN[n.length] = true;

let dateSecond = 0;
let dateValue = '';
/** An HTTP date, recomputed at most once a second. */
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

export function requestHead(method: string, url: string, headers: string[], chunked: boolean): string {
  let h = `${method} ${url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) h += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return chunked ? `${h}transfer-encoding: chunked\r\n\r\n` : `${h}\r\n`;
}

export interface ResponseHead {
  head: string;
  /** The body is re-chunked for the client (upstream gave no length, client speaks HTTP/1.1). */
  chunked: boolean;
  /** The body is delimited by closing the client connection (HTTP/1.0 client, no length). */
  closeDelimited: boolean;
}

/**
 * The client-facing head for an upstream response. `bodyless`: HEAD, 204 or 304 — no framing is
 * added. Without an upstream Content-Length, HTTP/1.1 clients get chunked framing and HTTP/1.0
 * clients a close-delimited body, as node:http's ServerResponse does.
 */
export function responseHead(
  status: number,
  statusText: string | undefined,
  raw: string[],
  clientMinor: number,
  close: boolean,
  bodyless: boolean,
): ResponseHead {
  let h = `HTTP/1.1 ${status} ${statusText || STATUS_CODES[status] || 'Unknown'}\r\n`;
  let hasLength = false;
  let hasDate = false;
  // Fields the upstream named in its own Connection header are hop-by-hop too (RFC 9110 §7.6.1).
  const listed = listedResponseFields(raw);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const len = name.length;
    if (DROP_LEN[len] === true && RESPONSE_DROP.has(name.toLowerCase())) continue;
    if (listed !== undefined && listed.has(name.toLowerCase())) continue;
    if (len === 14 && name.toLowerCase() === 'content-length') hasLength = true;
    else if (len === 4 && name.toLowerCase() === 'date') hasDate = true;
    h += `${name}: ${raw[i + 1]}\r\n`;
  }
  if (!hasDate) h += `date: ${httpDate()}\r\n`;
  const chunked = !bodyless && !hasLength && clientMinor >= 1;
  const closeDelimited = !bodyless && !hasLength && clientMinor < 1;
  if (chunked) h += 'transfer-encoding: chunked\r\n';
  if (close || closeDelimited) h += 'connection: close\r\n\r\n';
  else h += clientMinor < 1 ? 'connection: keep-alive\r\n\r\n' : '\r\n';
  return { head: h, chunked, closeDelimited };
}

/** A whole gateway page response (404, 503, …) with its body, ready for one write. */
export function pageResponse(status: number, html: boolean, isHead: boolean, requestId: string, close: boolean, extra = ''): Buffer {
  const body = pageBody(status, html);
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: ${html ? 'text/html; charset=utf-8' : 'application/json'}\r\n` +
    `content-length: ${body.length}\r\ncache-control: no-store\r\nx-request-id: ${requestId}\r\ndate: ${httpDate()}\r\n${extra}${close ? 'connection: close\r\n' : ''}\r\n`;
  return isHead ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A plain response with a small text body or none (ACME answers, redirects, 417). */
export function simpleResponse(status: number, headers: string, body: string, close: boolean): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\ndate: ${httpDate()}\r\n${close ? 'connection: close\r\n' : ''}\r\n${body}`;
}
