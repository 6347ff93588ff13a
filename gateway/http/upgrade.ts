// Upgrade requests for the http engine, after the same Host routing and replica choice as plain
// requests. A WebSocket upgrade goes through the fast engine's splice() (fast/tunnel.ts): the
// request head is filtered like any request's, and the sockets are only piped after the
// upstream's 101 with a valid Sec-WebSocket-Accept; any other answer is relayed once and the
// connection closed. Any other upgrade (h2c above all) is proxied as a plain request with the
// Upgrade/HTTP2-Settings/Connection fields dropped, as nginx does when not configured to pass
// Upgrade on, and the connection closes after it. Upgrade requests with a body are refused (400).
// A WebSocket to a sleeping app is held like a plain request (waking/hold.ts) and tunnelled to the
// woken replicas, or answered 503 with Retry-After when the wake fails or the wait runs out.
// Open tunnels are tracked so shutdown can close them last.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pick } from '../balancing/pick.js';
import { splice, upgradeRequestHead, websocketKey } from '../fast/tunnel.js';
import { normaliseHost } from '../routing/host.js';
import { splitTarget, withHost } from '../routing/target.js';
import type { GatewayCore } from '../core.js';
import { clientIp, requestHandler } from './handler.js';
import { forwardRequestHeaders } from '../shared/headers.js';
import { nextRequestId } from '../shared/ids.js';
import { pageCode } from '../shared/pages.js';
import { upgradeGate } from '../plugins/upgrades.js';
import type { CompiledRoute } from '../routing/index-table.js';
import { wakeRefusalResponse } from '../waking/hold.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function page(status: number): string {
  // The same codes as every other gateway page (pages.ts): a 502 is DF_ERR_UPSTREAM everywhere.
  const body = JSON.stringify({ error: { code: pageCode(status), message: STATUS_TEXT[status] } });
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
}

function refuse(socket: Duplex, status: number): void {
  socket.end(page(status));
}

export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  closeAll(): void;
}

export function upgradeHandler(core: GatewayCore, proto: 'http' | 'https'): UpgradeHandler {
  const open = new Set<Duplex>();
  const plain = requestHandler(core, proto);

  /** Answers a non-WebSocket upgrade as the plain request it also is, then closes. */
  const asPlainRequest = (req: IncomingMessage, socket: Socket): void => {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => {
      res.detachSocket(socket);
      socket.end();
    });
    socket.once('close', () => {
      if (!res.writableFinished) res.destroy();
    });
    plain(req, res);
  };

  return {
    handle(req, socket, head) {
      // An absolute-form target's host wins over Host, and the upstream gets origin-form (target.ts).
      const target = splitTarget(req.url ?? '/');
      if (target === null) return refuse(socket, 400);
      const name = normaliseHost(target.authority ?? req.headers.host);
      const length = req.headers['content-length'];
      // The body would be read by the upstream out of what it takes for tunnel bytes.
      if (!name || req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) return refuse(socket, 400);
      const sock = socket as Socket;
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      if ((req.headers.upgrade ?? '').trim().toLowerCase() !== 'websocket') return asPlainRequest(req, sock);
      const key = websocketKey(req.rawHeaders);
      if (req.method !== 'GET' || req.httpVersion !== '1.1' || key === undefined) return refuse(socket, 400);
      sock.pause();

      /** The tunnel to one of the (awake) route's replicas, after its plugins' request hooks. */
      const toRoute = (route: CompiledRoute): void => {
        const backend = pick(route, Date.now());
        if (!backend || route.route.sleeping) return refuse(socket, 503);
        // The same filtering as plain requests: hop-by-hop fields (Connection-listed ones too) and
        // Proxy-Authorization dropped; forwarding headers set, never taken from the client.
        const rawHeaders = target.authority ? withHost(req.rawHeaders, target.authority) : req.rawHeaders;
        const fwd = forwardRequestHeaders(rawHeaders, clientIp(req), proto === 'https' ? 'wss' : 'ws', name, nextRequestId());
        if (fwd.hostCount !== 1) return refuse(socket, 400);
        const tunnel = (path: string, headers: string[]): void => {
          core.metrics.record(route.app, 101, 0);
          splice({
            client: sock,
            head,
            key,
            backend,
            core,
            page,
            request: upgradeRequestHead('GET', path, headers),
            closed: () => undefined,
          });
        };
        if (route.chain === null) return tunnel(target.path, fwd.headers);
        // The route's plugins guard its WebSockets too (plugins/upgrades.ts).
        const run = route.chain.start('GET', target.path, name, proto, clientIp(req), socket, fwd.headers);
        upgradeGate(run)
          .then((refusal) => {
            if (sock.destroyed) return;
            if (refusal !== null) {
              sock.end(refusal);
              return;
            }
            tunnel(run.path, run.headers.raw);
          })
          .catch(() => sock.destroy());
      };

      const first = core.index.get(name);
      if (!first) return refuse(socket, 404);
      if (first.route.sleeping) {
        // Held like any request while control wakes the app (waking/hold.ts), then tunnelled to
        // the woken replicas; the client's later bytes wait in its paused socket meanwhile.
        core.holds
          .hold(first)
          .then((held) => {
            if (sock.destroyed) return;
            if (held.refusal) {
              core.metrics.record(first.app, 503, 0);
              sock.end(wakeRefusalResponse(held.refusal, (req.headers.accept ?? '').includes('text/html'), false, nextRequestId(), true));
              return;
            }
            toRoute(held.route);
          })
          .catch(() => sock.destroy());
        return;
      }
      toRoute(first);
    },
    closeAll() {
      for (const s of open) s.destroy();
    },
  };
}
