// The HTTP and HTTPS listeners with their limits and timeouts, for the `http` engine (node:http
// server + undici). Parsing-level refusals (both Content-Length and Transfer-Encoding, duplicate
// or malformed lengths, over-long heads) are llhttp's strict mode, which Node's server uses
// unless insecureHTTPParser is set — never here. The `fast` engine (fast/listeners.ts) drives the
// same parser in the same strict mode without the server objects.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { listen } from '../../common/net/listen.js';
import type { GatewayOptions } from '../options/options.js';
import type { GatewayCore } from '../core.js';
import { requestHandler } from '../http/handler.js';
import { rawPage } from '../shared/pages.js';
import { upgradeHandler } from '../http/upgrade.js';
import type { CertificateSelector } from '../tls/sni.js';

/** What shutdown needs from a listener, whichever engine serves it. */
export interface Listener {
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting; resolves once every connection has closed. */
  close(): Promise<void>;
  /** Closes connections with no request in flight. */
  closeIdle(): void;
  /** Cuts everything still open, tunnels included. */
  closeAll(): void;
}

function tune(server: http.Server, o: GatewayOptions, core: GatewayCore, proto: 'http' | 'https'): Listener {
  server.headersTimeout = o.headersTimeoutMs;
  server.requestTimeout = Math.max(o.headersTimeoutMs, 300_000);
  server.keepAliveTimeout = o.idleTimeoutMs;
  // Socket inactivity while a request is open: a little over the upstream timeout, so the
  // gateway's 504 wins over a silent close.
  server.timeout = o.upstreamTimeoutMs + 5_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(rawPage(status));
  });
  const upgrades = upgradeHandler(core, proto);
  server.on('upgrade', upgrades.handle);
  return {
    listen: (port, host) => listen(server, port, host),
    close: () => new Promise<void>((r) => server.close(() => r())),
    closeIdle: () => server.closeIdleConnections(),
    closeAll: () => {
      server.closeAllConnections();
      upgrades.closeAll();
    },
  };
}

const common = (o: GatewayOptions) => ({
  maxHeaderSize: o.maxHeaderBytes,
  requireHostHeader: true,
  joinDuplicateHeaders: false,
  insecureHTTPParser: false,
  noDelay: true,
});

export function httpListener(o: GatewayOptions, core: GatewayCore): Listener {
  return tune(http.createServer(common(o), requestHandler(core, 'http')), o, core, 'http');
}

export function httpsListener(o: GatewayOptions, core: GatewayCore, certs: CertificateSelector): Listener {
  const server = https.createServer({ ...common(o), SNICallback: certs.SNICallback, minVersion: 'TLSv1.2' }, requestHandler(core, 'https'));
  return tune(server, o, core, 'https');
}
