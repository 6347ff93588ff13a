// The HTTP entry: Host → route → replica → Exchange. Everything a request can be refused for
// (malformed host, duplicate Host, oversized body) is decided here before any upstream sees it.
import { ACME_PREFIX, acmeKeyAuthorization } from '../../common/certificates/index.js';
import { countFinished } from '../observe/finished.js';
import { isPromise, sendHttpAnswer } from '../plugins/answers.js';
import type { PluginRun, RawAnswer } from '../plugins/run.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { pick } from '../balancing/pick.js';
import type { GatewayCore } from '../core.js';
import { normaliseHost } from '../routing/host.js';
import { splitTarget, withHost } from '../routing/target.js';
import { Exchange, type ExchangeHost } from './undici-relay.js';
import { forwardRequestHeaders } from '../shared/headers.js';
import { nextRequestId } from '../shared/ids.js';
import { sendPage } from '../shared/pages.js';
import { wakeRefusalBody, wakeRefusalHeaders, type WakeRefusal } from '../waking/hold.js';

const nextId = nextRequestId;

class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

async function* limited(req: IncomingMessage, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) throw new BodyTooLarge('body too large');
    yield chunk;
  }
}

export const clientIp = (req: IncomingMessage): string => {
  const a = req.socket?.remoteAddress ?? ''; // the socket is detached once a response ends
  return a.startsWith('::ffff:') ? a.slice(7) : a;
};

export function requestHandler(core: GatewayCore, proto: 'http' | 'https'): (req: IncomingMessage, res: ServerResponse) => void {
  const host: ExchangeHost = {
    get passiveDownMs() {
      return core.options.passiveDownMs;
    },
    finished(x, status) {
      countFinished(core, x.start, status, {
        id: x.requestId,
        remote: x.remote,
        host: x.route.host,
        method: x.req.method ?? '',
        path: x.req.url ?? '',
        app: x.route.app,
        upstream: x.backend ? x.backend.key : '',
      });
    },
  };

  /** Answers without an upstream; logged and counted like any other request. */
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, id: string, app = '', start = performance.now()): void => {
    if (!res.headersSent) sendPage(req, res, status, id, status === 400 || status === 413); // a 308 or an ACME 200 is already sent
    countFinished(core, start, status, {
      id,
      remote: clientIp(req),
      host: String(req.headers.host ?? '').slice(0, 300),
      method: req.method ?? '',
      path: req.url ?? '',
      app,
      upstream: '',
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    core.inflight++;
    if (core.draining) res.shouldKeepAlive = false;
    const start = performance.now();
    const id = nextId();
    // An absolute-form target's authority wins over Host, and the upstream gets origin-form (target.ts).
    const target = splitTarget(req.url ?? '/');
    if (target === null) return refuse(req, res, 400, id);
    const name = normaliseHost(target.authority ?? req.headers.host);
    if (name === null || name === '') return refuse(req, res, 400, id);
    const url = target.path;
    if (url.startsWith(ACME_PREFIX)) return acme(req, res, url.slice(ACME_PREFIX.length), id);
    let route = core.index.get(name);
    if (!route) return refuse(req, res, 404, id);
    if (proto === 'http' && route.route.httpsRedirect) {
      res.writeHead(308, { location: `https://${name}${url}`, 'content-length': '0' });
      res.end();
      return refuse(req, res, 308, id, route.app, start);
    }
    if (route.route.sleeping) {
      const held = await core.holds.hold(route);
      if (held.refusal) return refuseWhileAsleep(req, res, held.refusal, id, route.app, start);
      route = held.route;
    }
    const length = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (length !== undefined && Number(length) > core.options.maxBodyBytes) return refuse(req, res, 413, id, route.app);
    const remote = clientIp(req);
    const fwd = forwardRequestHeaders(
      target.authority ? withHost(req.rawHeaders, target.authority) : req.rawHeaders,
      remote,
      proto,
      name,
      id,
    );
    if (fwd.hostCount !== 1) return refuse(req, res, 400, id, route.app);
    const rid = fwd.requestId ?? id;
    let run: PluginRun | null = null;
    let path = url;
    if (route.chain !== null) {
      // Request hooks first: they may answer (the app is not asked) or change the head.
      run = route.chain.start(req.method ?? 'GET', url, name, proto, remote, req.socket, fwd.headers);
      let outcome = run.request();
      if (isPromise<RawAnswer | null>(outcome)) outcome = await outcome;
      if (outcome !== null) {
        const finished = route.app;
        sendHttpAnswer(req, res, run, outcome, (status) =>
          countFinished(core, start, status, {
            id: rid,
            remote,
            host: name,
            method: req.method ?? '',
            path: url,
            app: finished,
            upstream: '',
          }),
        );
        return;
      }
      path = run.path;
    }
    const hasBody = chunked || (length !== undefined && length !== '0');
    const opts: Dispatcher.DispatchOptions = {
      path,
      method: req.method as Dispatcher.HttpMethod,
      headers: fwd.headers,
      // undici streams any async iterable as a chunked body; its types only name Readable.
      body: !hasBody ? null : chunked ? (limited(req, core.options.maxBodyBytes) as unknown as IncomingMessage) : req,
    };
    const backend = pick(route, Date.now());
    if (!backend) return refuse(req, res, 503, rid, route.app);
    const x = new Exchange(req, res, route, opts, rid, remote, start, host);
    x.run = run;
    res.once('close', () => x.cancel());
    x.send(backend);
  };

  const refuseWhileAsleep = (req: IncomingMessage, res: ServerResponse, r: WakeRefusal, id: string, app: string, start: number): void => {
    const html = (req.headers.accept ?? '').includes('text/html');
    const body = wakeRefusalBody(r, html);
    res.writeHead(503, { ...wakeRefusalHeaders(r, html, id), 'content-length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
    countFinished(core, start, 503, {
      id,
      remote: clientIp(req),
      host: String(req.headers.host ?? '').slice(0, 300),
      method: req.method ?? '',
      path: req.url ?? '',
      app,
      upstream: '',
    });
  };

  const acme = async (req: IncomingMessage, res: ServerResponse, token: string, id: string): Promise<void> => {
    const start = performance.now();
    const keyAuth = await acmeKeyAuthorization(core.acmeChallenge, token);
    if (keyAuth === null) return refuse(req, res, 404, id);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(keyAuth) });
    res.end(keyAuth);
    // Counted like every answer (the fast engine always did): in-flight gauge and access log.
    refuse(req, res, 200, id, '', start);
  };

  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendPage(req, res, 502, '');
      else res.destroy();
    });
  };
}
