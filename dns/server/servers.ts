// dns2's UDP and TCP servers as transports. UDP datagrams bypass dns2's packet parser (we take
// over its 'message' listener) so the raw resolver answers without building packet objects; TCP
// keeps dns2's framing and pipelining, and hands us the query re-encoded. Nothing a client sends
// may end the process or hold its sockets: replies to port 0 are not attempted, an idle TCP
// connection is destroyed (dns2 only half-closes it, which a client can keep open for ever), and
// TCP connections are capped.
import type { RemoteInfo } from 'node:dgram';
import type { Socket } from 'node:net';
import dns2 from 'dns2';
import type { Logger } from '../../common/log/logger.js';
import type { Resolver } from '../resolver/resolve.js';

export function udpServer(resolver: Resolver, type: 'udp4' | 'udp6', log: Logger): dns2.UDPServer {
  const server = new dns2.UDPServer({ type });
  server.removeAllListeners('message');
  const send = (out: Buffer | null, rinfo: RemoteInfo): void => {
    if (!out) return;
    try {
      server.send(out, rinfo.port, rinfo.address, (err) => {
        if (err) log.debug({ err: err.message }, 'dns: udp reply not sent');
      });
    } catch (err) {
      log.debug({ err }, 'dns: udp reply not sent');
    }
  };
  server.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    // Port 0 cannot be answered (a spoofed source): sending to it throws.
    if (rinfo.port === 0) return;
    try {
      const out = resolver.resolve(data, rinfo.address);
      if (out instanceof Promise)
        out.then(
          (r) => send(r, rinfo),
          () => undefined,
        );
      else send(out, rinfo);
    } catch (err) {
      log.debug({ err }, 'dns: udp query failed');
    }
  });
  server.on('error', (err: Error) => log.warn({ err: err.message }, 'dns: udp socket error'));
  return server;
}

/** TCP connections at once; beyond, new ones are refused by the kernel's backlog handling. */
export const MAX_TCP_CONNECTIONS = 1000;

export function tcpServer(resolver: Resolver, log: Logger, idleTimeoutMs = 10_000): dns2.TCPServer {
  const server = new dns2.TCPServer();
  server.maxConnections = MAX_TCP_CONNECTIONS;
  // Runs after dns2's own connection handler, so this timeout replaces its 10 s one.
  server.on('connection', (socket: Socket) => {
    socket.setTimeout(idleTimeoutMs);
    socket.on('timeout', () => socket.destroy());
  });
  server.on('request', (request: dns2.Packet, send: (r: Buffer) => Promise<Buffer>, client: Socket) => {
    void (async () => {
      const out = await resolver.resolve(request.toBuffer(), client.remoteAddress ?? '');
      if (out) await send(out);
    })().catch((err: unknown) => log.debug({ err }, 'dns: tcp query failed'));
  });
  server.on('requestError', () => undefined);
  server.on('error', (err: Error) => log.warn({ err: err.message }, 'dns: tcp server error'));
  return server;
}
