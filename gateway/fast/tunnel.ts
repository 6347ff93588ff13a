// WebSocket (any HTTP/1.1 Upgrade) pass-through for the fast engine: after the same Host routing
// and replica choice as plain requests, the head is re-sent with fresh forwarding headers and the
// two sockets are piped, each closing the other. The upstream's 101 (or refusal) passes through
// verbatim. Open tunnels are tracked so shutdown can close them last.
import net, { type Socket } from 'node:net';
import { pick } from '../balancing/pick.js';
import type { GatewayCore } from '../proxying/handler.js';
import { nextRequestId } from '../proxying/ids.js';
import { normaliseHost } from '../routing/host.js';
import type { FastRequest } from './request.js';
import { pageResponse } from './wire.js';

/** Set by the gateway, never passed on from the client. */
const OWN = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id']);

export interface Tunnels {
  open(req: FastRequest, client: Socket, head: Buffer): void;
  closeAll(): void;
}

export function tunnels(core: GatewayCore, proto: 'http' | 'https'): Tunnels {
  const open = new Set<Socket>();
  const refuse = (req: FastRequest, client: Socket, status: number, id: string): void => {
    client.end(pageResponse(status, req.wantsHtml, false, id, true));
  };

  return {
    open(req, client, head) {
      const id = nextRequestId();
      const name = normaliseHost(req.host);
      if (!name || req.method === 'CONNECT') return refuse(req, client, 400, id);
      const route = core.index.get(name);
      if (!route) return refuse(req, client, 404, id);
      const backend = pick(route, Date.now());
      if (!backend || route.route.sleeping) return refuse(req, client, 503, id);
      let h = `${req.method} ${req.url} HTTP/1.1\r\n`;
      let hosts = 0;
      for (let i = 0; i < req.raw.length; i += 2) {
        const lower = req.raw[i]!.toLowerCase();
        if (lower === 'host') hosts++;
        if (!OWN.has(lower)) h += `${req.raw[i]}: ${req.raw[i + 1]}\r\n`;
      }
      if (hosts !== 1) return refuse(req, client, 400, id);
      h += `x-forwarded-for: ${req.conn.remote}\r\nx-forwarded-proto: ${proto === 'https' ? 'wss' : 'ws'}\r\nx-forwarded-host: ${name}\r\nx-request-id: ${id}\r\n\r\n`;

      const upstream = net.connect({ host: backend.host, port: backend.port, noDelay: true });
      backend.inflight++;
      open.add(client);
      core.metrics.record(route.app, 101, 0);
      let connected = false;
      upstream.setTimeout(5_000, () => upstream.destroy());
      upstream.once('connect', () => { connected = true; upstream.setTimeout(0); });
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        if (!connected && err.code === 'ECONNREFUSED') backend.downUntil = Date.now() + core.options.passiveDownMs;
      });
      client.on('error', () => client.destroy());
      client.setTimeout(0);
      upstream.once('close', () => {
        if (!connected && client.writable) refuse(req, client, 503, id);
        else client.destroy();
      });
      client.once('close', () => { upstream.destroy(); backend.inflight--; open.delete(client); });
      upstream.write(h, 'latin1');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    },
    closeAll() {
      for (const s of open) s.destroy();
    },
  };
}
