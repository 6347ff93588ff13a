// WebSocket (and any HTTP/1.1 Upgrade) pass-through with http-proxy, after the same Host routing
// and replica choice as plain requests. Open tunnels are tracked so shutdown can close them last.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import httpProxy from 'http-proxy';
import { pick } from '../balancing/pick.js';
import { normaliseHost } from '../routing/host.js';
import type { GatewayCore } from './handler.js';
import { clientIp } from './handler.js';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 503: 'Service Unavailable' };

function refuse(socket: Duplex, status: number): void {
  const body = JSON.stringify({ error: { code: status === 404 ? 'DF_ERR_NO_ROUTE' : status === 503 ? 'DF_ERR_NO_HEALTHY_UPSTREAM' : 'DF_ERR_BAD_REQUEST', message: STATUS_TEXT[status] } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
}

export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  closeAll(): void;
}

export function upgradeHandler(core: GatewayCore, proto: 'http' | 'https'): UpgradeHandler {
  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: false });
  const open = new Set<Duplex>();
  proxy.on('error', (_err, _req, target) => { (target as Socket).destroy(); });
  // http-proxy pipes the two sockets but does not tie their lifetimes: a client that vanishes
  // would leave the upstream socket open (and the reverse). Close each with the other.
  proxy.on('proxyReqWs', (proxyReq, _req, socket) => {
    proxyReq.once('upgrade', (_res, upstream: Socket) => {
      socket.once('close', () => upstream.destroy());
      upstream.once('close', () => socket.destroy());
    });
  });

  return {
    handle(req, socket, head) {
      const name = normaliseHost(req.headers.host);
      if (!name) return refuse(socket, 400);
      const route = core.index.get(name);
      if (!route) return refuse(socket, 404);
      const backend = pick(route, Date.now());
      if (!backend || route.route.sleeping) return refuse(socket, 503);
      // Set, not appended: the gateway is the edge, so client-sent forwarding headers are not trusted.
      req.headers['x-forwarded-for'] = clientIp(req);
      req.headers['x-forwarded-proto'] = proto === 'https' ? 'wss' : 'ws';
      req.headers['x-forwarded-host'] = name;
      req.headers['x-request-id'] = randomUUID();
      backend.inflight++;
      open.add(socket);
      socket.once('close', () => { backend.inflight--; open.delete(socket); });
      core.metrics.record(route.app, 101, 0);
      proxy.ws(req, socket, head, { target: { host: backend.host, port: backend.port } });
    },
    closeAll() {
      for (const s of open) s.destroy();
      proxy.close();
    },
  };
}
