// The gateway's own short answers (404 unknown host, 503 no healthy replica, …), as JSON for API
// clients and as a tiny HTML page for browsers. Bodies are built once, not per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GATEWAY_ERRORS, type GatewayErrorCode } from '../../common/errors/catalogue.js';

const PAGE_CODES: GatewayErrorCode[] = [
  'DF_ERR_BAD_REQUEST',
  'DF_ERR_NO_ROUTE',
  'DF_ERR_PAYLOAD_TOO_LARGE',
  'DF_ERR_EXPECTATION_FAILED',
  'DF_ERR_PLUGIN_FAILED',
  'DF_ERR_UPSTREAM',
  'DF_ERR_NO_HEALTHY_UPSTREAM',
  'DF_ERR_UPSTREAM_TIMEOUT',
];
const TEXT: Record<number, [code: string, message: string]> = Object.fromEntries(
  PAGE_CODES.map((code) => [GATEWAY_ERRORS[code].status, [code, GATEWAY_ERRORS[code].message]]),
);

/** The HTML page of a gateway answer: the status, the message and its DF_ERR_* code (what a user can search for or quote). */
export function htmlPage(status: number, code: string, message: string): string {
  return `<!doctype html><title>${status}</title><h1>${status}</h1><p>${message}.</p><p><small>${code} &middot; DeployFlow gateway</small></p>\n`;
}

interface Page {
  json: Buffer;
  html: Buffer;
}
const pages = new Map<number, Page>();
for (const [status, [code, message]] of Object.entries(TEXT)) {
  pages.set(Number(status), {
    json: Buffer.from(JSON.stringify({ error: { code, message } })),
    html: Buffer.from(htmlPage(Number(status), code, message)),
  });
}

/** The DF_ERR_* code the gateway's page for `status` carries (every page of every engine uses these). */
export function pageCode(status: number): string {
  return (TEXT[status] ?? TEXT[502]!)[0];
}

/** The page body for a status: HTML when the client accepts it, JSON otherwise. */
export function pageBody(status: number, html: boolean): Buffer {
  const page = pages.get(status) ?? pages.get(502)!;
  return html ? page.html : page.json;
}

export function sendPage(req: IncomingMessage, res: ServerResponse, status: number, requestId: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const page = pages.get(status) ?? pages.get(502)!;
  const html = (req.headers.accept ?? '').includes('text/html');
  const body = html ? page.html : page.json;
  res.writeHead(status, [
    'content-type',
    html ? 'text/html; charset=utf-8' : 'application/json',
    'content-length',
    String(body.length),
    'cache-control',
    'no-store',
    'x-request-id',
    requestId,
    ...(close ? ['connection', 'close'] : []),
  ]);
  res.end(req.method === 'HEAD' ? undefined : body);
}

const RAW_CODES = {
  400: 'DF_ERR_BAD_REQUEST',
  408: 'DF_ERR_REQUEST_TIMEOUT',
  413: 'DF_ERR_PAYLOAD_TOO_LARGE',
  431: 'DF_ERR_HEADERS_TOO_LARGE',
} as const satisfies Record<number, GatewayErrorCode>;

/** For errors found before a request object exists (parse errors): a raw HTTP/1.1 response. */
export function rawPage(status: 400 | 408 | 413 | 431): string {
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' }[status];
  // The same code for a status as the gateway's other pages (a 413 is DF_ERR_PAYLOAD_TOO_LARGE wherever it is found).
  const code = RAW_CODES[status];
  const body = JSON.stringify({ error: { code, message: reason } });
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
}
