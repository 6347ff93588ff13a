// The fast engine's request entry: Host → route → replica → FastExchange, with the same refusals
// in the same order as http/handler.ts (malformed or duplicate Host, ACME, HTTPS redirect,
// sleeping app, oversized body, no healthy replica). The common case stays synchronous: no
// promise per request; only ACME answers, waking apps and async plugins go async. A route with
// a plugin chain takes withPlugins(); a route without one checks `route.chain` once and pays
// nothing else.
import { ACME_PREFIX, acmeKeyAuthorization } from '../../common/certificates/index.js';
import { countFinished } from '../observe/finished.js';
import { isPromise, sendFastAnswer } from '../plugins/answers.js';
import type { PluginRun, RawAnswer } from '../plugins/run.js';
import { pick } from '../balancing/pick.js';
import type { GatewayCore } from '../core.js';
import { forwardRequestHeaders } from '../shared/headers.js';
import { nextRequestId } from '../shared/ids.js';
import { normaliseHost } from '../routing/host.js';
import type { CompiledRoute } from '../routing/index-table.js';
import { FastExchange, type FastExchangeHost } from './socket-relay.js';
import type { FastRequest } from './request.js';
import { wakeRefusalResponse } from '../waking/hold.js';
import { pageResponse, requestHead, simpleResponse } from './wire.js';

const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

const entryOf = (req: FastRequest, host: string, app: string, id: string) => ({
  id,
  remote: req.conn.remote,
  host,
  method: req.method,
  path: req.url,
  app,
  upstream: '',
});

export function fastEntry(core: GatewayCore, proto: 'http' | 'https'): (req: FastRequest) => void {
  const host: FastExchangeHost = {
    get passiveDownMs() {
      return core.options.passiveDownMs;
    },
    draining: () => core.draining,
    finished(x, status) {
      const r = x.req;
      countFinished(core, x.start, status, {
        id: x.requestId,
        remote: r.conn.remote,
        host: x.route.host,
        method: r.method,
        path: r.url,
        app: x.route.app,
        upstream: x.backend ? x.backend.key : '',
      });
    },
  };

  /** Answers without an upstream (`head`: a ready response; else the status page). */
  const answer = (req: FastRequest, status: number, id: string, app = '', start = performance.now(), head?: string): void => {
    const close = status === 400 || status === 413 || status === 417 || (req.hasBody && !req.requestDone) || core.draining;
    if (head !== undefined) req.conn.socket.write(head, 'latin1');
    else req.conn.socket.write(pageResponse(status, req.wantsHtml, req.isHead, id, close));
    countFinished(core, start, status, {
      id,
      remote: req.conn.remote,
      host: (req.host ?? '').slice(0, 300),
      method: req.method,
      path: req.url,
      app,
      upstream: '',
    });
    req.conn.finish(req, close);
  };

  const proxy = (req: FastRequest, route: CompiledRoute, name: string, id: string, start: number): void => {
    if (req.contentLength !== undefined && Number(req.contentLength) > core.options.maxBodyBytes) return answer(req, 413, id, route.app);
    if (req.tooLarge) return answer(req, 413, id, route.app);
    const fwd = forwardRequestHeaders(req.raw, req.conn.remote, proto, name, id);
    if (fwd.hostCount !== 1) return answer(req, 400, id, route.app);
    const rid = fwd.requestId ?? id;
    if (route.chain !== null)
      return withPlugins(
        req,
        route,
        route.chain.start(req.method, req.url, name, proto, req.conn.remote, req.conn, fwd.headers),
        rid,
        start,
      );
    forward(req, route, requestHead(req.method, req.url, fwd.headers, req.chunked), rid, start, null);
  };

  const forward = (req: FastRequest, route: CompiledRoute, head: string, rid: string, start: number, run: PluginRun | null): void => {
    const backend = pick(route, Date.now());
    if (!backend) return answer(req, 503, rid, route.app);
    // The client waits for this before sending a body it announced with Expect: 100-continue.
    if (req.expect !== undefined && req.hasBody && !req.requestDone) req.conn.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    const x = new FastExchange(req, route, head, rid, start, host);
    x.run = run;
    req.sink = x;
    x.send(backend);
  };

  /** The request hooks, then the app (with the head they left) or their answer. */
  const withPlugins = (req: FastRequest, route: CompiledRoute, run: PluginRun, rid: string, start: number): void => {
    const outcome = run.request();
    if (!isPromise<RawAnswer | null>(outcome)) return afterHooks(req, route, run, outcome, rid, start);
    outcome
      .then((o) => {
        // The client left (or sent a malformed body) while a hook waited.
        if (req.conn.socket.destroyed) return countFinished(core, start, 499, entryOf(req, route.host, route.app, rid));
        afterHooks(req, route, run, o, rid, start);
      })
      .catch(() => req.conn.socket.destroy());
  };

  const afterHooks = (
    req: FastRequest,
    route: CompiledRoute,
    run: PluginRun,
    outcome: RawAnswer | null,
    rid: string,
    start: number,
  ): void => {
    if (outcome !== null) return pluginAnswer(req, route, run, outcome, rid, start);
    if (req.tooLarge) return answer(req, 413, rid, route.app);
    forward(req, route, requestHead(req.method, run.path, run.headers.raw, req.chunked), rid, start, run);
  };

  const pluginAnswer = (req: FastRequest, route: CompiledRoute, run: PluginRun, a: RawAnswer, rid: string, start: number): void => {
    const close = (req.hasBody && !req.requestDone) || core.draining;
    sendFastAnswer(req, run, a, close, (status, closeAfter) => {
      countFinished(core, start, status, entryOf(req, route.host, route.app, rid));
      req.conn.finish(req, closeAfter);
    });
  };

  const holdWhileWaking = async (req: FastRequest, route: CompiledRoute, name: string, id: string, start: number): Promise<void> => {
    const held = await core.holds.hold(route);
    if (!held.refusal) return proxy(req, held.route, name, id, start);
    const close = (req.hasBody && !req.requestDone) || core.draining;
    answer(req, 503, id, route.app, start, wakeRefusalResponse(held.refusal, req.wantsHtml, req.isHead, id, close).toString('latin1'));
  };

  const acme = async (req: FastRequest, token: string, id: string): Promise<void> => {
    const keyAuth = await acmeKeyAuthorization(core.acmeChallenge, token);
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
    if (url.startsWith(ACME_PREFIX)) {
      acme(req, url.slice(ACME_PREFIX.length), id).catch(() => req.conn.socket.destroy());
      return;
    }
    const route = core.index.get(name);
    if (!route) return answer(req, 404, id);
    if (proto === 'http' && route.route.httpsRedirect) {
      return answer(req, 308, id, route.app, start, simpleResponse(308, `location: https://${name}${url}\r\n`, '', core.draining));
    }
    if (route.route.sleeping) {
      holdWhileWaking(req, route, name, id, start).catch(() => req.conn.socket.destroy());
      return;
    }
    proxy(req, route, name, id, start);
  };
}
