// The HTTP and HTTPS listeners with their limits and timeouts. Parsing-level refusals (both
// Content-Length and Transfer-Encoding, duplicate or malformed lengths, over-long heads) are
// llhttp's strict mode, which Node's server uses unless insecureHTTPParser is set — never here.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { GatewayOptions } from '../options/options.js';
import type { GatewayCore } from '../proxying/handler.js';
import { requestHandler } from '../proxying/handler.js';
import { rawPage } from '../proxying/pages.js';
import { upgradeHandler, type UpgradeHandler } from '../proxying/upgrade.js';
import type { CertificateSelector } from '../tls/sni.js';

export interface Listener {
  server: http.Server;
  upgrades: UpgradeHandler;
}

function tune(server: http.Server, o: GatewayOptions, core: GatewayCore, proto: 'http' | 'https'): Listener {
  server.headersTimeout = o.headersTimeoutMs;
  server.requestTimeout = Math.max(o.headersTimeoutMs, 300_000);
  server.keepAliveTimeout = o.idleTimeoutMs;
  // Socket inactivity while a request is open: a little over the upstream timeout, so the
  // gateway's 504 wins over a silent close.
  server.timeout = o.upstreamTimeoutMs + 5_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (err.code === 'ECONNRESET')) { socket.destroy(); return; }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(rawPage(status));
  });
  const upgrades = upgradeHandler(core, proto);
  server.on('upgrade', upgrades.handle);
  return { server, upgrades };
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

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}
