// The fast engine's HTTP and HTTPS listeners: plain net/tls servers whose sockets go straight to a
// ClientConn (no node:http server), with the same limits and timeouts as server/servers.ts.
import net from 'node:net';
import tls from 'node:tls';
import type { GatewayCore } from '../core.js';
import type { Listener } from '../server/servers.js';
import { listen } from '../../common/net/listen.js';
import type { CertificateSelector } from '../tls/sni.js';
import { ClientConn, type ConnHost } from './connection.js';
import { fastEntry } from './entry.js';
import { tunnels } from './tunnel.js';

function fastListener(server: net.Server, core: GatewayCore, proto: 'http' | 'https'): Listener {
  const o = core.options;
  const conns = new Set<ClientConn>();
  const ws = tunnels(core, proto);
  const host: ConnHost = {
    maxHeaderBytes: o.maxHeaderBytes,
    maxBodyBytes: o.maxBodyBytes,
    headersTimeoutMs: o.headersTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    // Socket inactivity while a request is open: a little over the upstream timeout, so the
    // gateway's 504 wins over a silent close.
    activeTimeoutMs: o.upstreamTimeoutMs + 5_000,
    draining: () => core.draining,
    start: fastEntry(core, proto),
    tunnel: (conn, req, socket, head) => {
      conns.delete(conn);
      ws.open(req, socket, head);
    },
    closed: (c) => conns.delete(c),
  };
  const accept = (socket: net.Socket): void => {
    if (core.draining) {
      socket.destroy();
      return;
    }
    conns.add(new ClientConn(socket, host));
  };
  server.on(proto === 'https' ? 'secureConnection' : 'connection', accept);
  return {
    listen: (port, bindHost) => listen(server, port, bindHost),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    closeIdle() {
      for (const c of conns) if (c.idle) c.socket.destroy();
    },
    closeAll() {
      for (const c of conns) c.socket.destroy();
      ws.closeAll();
    },
  };
}

export function fastHttpListener(core: GatewayCore): Listener {
  return fastListener(net.createServer({ noDelay: true }), core, 'http');
}

export function fastHttpsListener(core: GatewayCore, certs: CertificateSelector): Listener {
  const server = tls.createServer({ SNICallback: certs.SNICallback, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return fastListener(server, core, 'https');
}
