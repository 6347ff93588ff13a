// The fast engine's request entry: Host → route → replica → FastExchange, with the same refusals
// in the same order as proxying/handler.ts (malformed or duplicate Host, ACME, HTTPS redirect,
// sleeping app, oversized body, no healthy replica). The common case stays synchronous: no
// promise per request; only ACME answers and waking apps go async.
import { countFinished } from '../observe/finished.js';
import { pick } from '../balancing/pick.js';
import type { GatewayCore } from '../proxying/handler.js';
import { forwardRequestHeaders } from '../proxying/headers.js';
import { nextRequestId } from '../proxying/ids.js';
import { normaliseHost } from '../routing/host.js';
import type { CompiledRoute } from '../routing/index-table.js';
import { FastExchange, type FastExchangeHost } from './exchange.js';
import type { FastRequest } from './request.js';
import { pageResponse, requestHead, simpleResponse } from './wire.js';

const ACME_PREFIX = '/.well-known/acme-challenge/';
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

export function fastEntry(core: GatewayCore, proto: 'http' | 'https'): (req: FastRequest) => void {
  const host: FastExchangeHost = {
    get passiveDownMs() { return core.options.passiveDownMs; },
    draining: () => core.draining,
    finished(x, status) {
      const r = x.req;
      countFinished(core, x.start, status, {
        id: x.requestId, remote: r.conn.remote, host: x.route.host, method: r.method, path: r.url, app: x.route.app, upstream: x.backend ? x.backend.key : '',
      });
    },
  };

  /** Answers without an upstream (`head`: a ready response; else the status page). */
  const answer = (req: FastRequest, status: number, id: string, app = '', start = performance.now(), head?: string): void => {
    const close = status === 400 || status === 413 || status === 417 || (req.hasBody && !req.requestDone) || core.draining;
    if (head !== undefined) req.conn.socket.write(head, 'latin1');
    else req.conn.socket.write(pageResponse(status, req.wantsHtml, req.isHead, id, close));
    countFinished(core, start, status, { id, remote: req.conn.remote, host: (req.host ?? '').slice(0, 300), method: req.method, path: req.url, app, upstream: '' });
    req.conn.finish(req, close);
  };

  const proxy = (req: FastRequest, route: CompiledRoute, name: string, id: string, start: number): void => {
    if (req.contentLength !== undefined && Number(req.contentLength) > core.options.maxBodyBytes) return answer(req, 413, id, route.app);
    if (req.tooLarge) return answer(req, 413, id, route.app);
    const fwd = forwardRequestHeaders(req.raw, req.conn.remote, proto, name, id);
    if (fwd.hostCount !== 1) return answer(req, 400, id, route.app);
    const backend = pick(route, Date.now());
    const rid = fwd.requestId ?? id;
    if (!backend) return answer(req, 503, rid, route.app);
    // The client waits for this before sending a body it announced with Expect: 100-continue.
    if (req.expect !== undefined && req.hasBody && !req.requestDone) req.conn.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    const x = new FastExchange(req, route, requestHead(req.method, req.url, fwd.headers, req.chunked), rid, start, host);
    req.sink = x;
    x.send(backend);
  };

  const holdWhileWaking = async (req: FastRequest, route: CompiledRoute, name: string, id: string, start: number): Promise<void> => {
    const deadline = Date.now() + core.options.wakeTimeoutMs;
    let current: CompiledRoute | undefined = route;
    while (current?.route.sleeping && Date.now() < deadline) {
      core.wake(current);
      current = await core.index.next(route.host, Math.max(1, deadline - Date.now()));
    }
    if (!current || current.route.sleeping) return answer(req, 503, id);
    proxy(req, current, name, id, start);
  };

  const acme = async (req: FastRequest, token: string, id: string): Promise<void> => {
    const keyAuth = /^[A-Za-z0-9_-]{1,256}$/.test(token) ? await core.acmeChallenge(token).catch(() => null) : null;
    if (keyAuth === null) return answer(req, 404, id);
    answer(req, 200, id, '', performance.now(), simpleResponse(200, 'content-type: text/plain\r\n', keyAuth, core.draining));
  };

  return (req) => {
    core.inflight++;
    const start = performance.now();
    const id = nextRequestId();
    // As node:http: an HTTP/1.1 expectation other than 100-continue cannot be met.
    if (req.expect !== undefined && req.minor === 1 && !CONTINUE.test(req.expect)) return answer(req, 417, id);
    if (req.badTarget) return answer(req, 400, id);
    const name = normaliseHost(req.host);
    if (name === null || name === '') return answer(req, 400, id);
    const url = req.url;
    if (url.startsWith(ACME_PREFIX)) { acme(req, url.slice(ACME_PREFIX.length), id).catch(() => req.conn.socket.destroy()); return; }
    const route = core.index.get(name);
    if (!route) return answer(req, 404, id);
    if (proto === 'http' && route.route.httpsRedirect) {
      return answer(req, 308, id, route.app, start, simpleResponse(308, `location: https://${name}${url}\r\n`, '', core.draining));
    }
    if (route.route.sleeping) { holdWhileWaking(req, route, name, id, start).catch(() => req.conn.socket.destroy()); return; }
    proxy(req, route, name, id, start);
  };
}
