// dns2's UDP and TCP servers as transports. UDP datagrams bypass dns2's packet parser (we take
// over its 'message' listener) so the raw resolver answers without building packet objects; TCP
// keeps dns2's framing and pipelining, and hands us the query re-encoded.
import type { RemoteInfo } from 'node:dgram';
import dns2 from 'dns2';
import type { Logger } from '../../common/log/logger.js';
import type { Resolver } from '../resolver/resolve.js';

export function udpServer(resolver: Resolver, type: 'udp4' | 'udp6', log: Logger): dns2.UDPServer {
  const server = new dns2.UDPServer({ type });
  server.removeAllListeners('message');
  const send = (out: Buffer | null, rinfo: RemoteInfo): void => {
    if (out) server.send(out, rinfo.port, rinfo.address);
  };
  server.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    try {
      const out = resolver.resolve(data);
      if (out instanceof Promise) out.then((r) => send(r, rinfo), () => undefined);
      else send(out, rinfo);
    } catch (err) {
      log.debug({ err }, 'dns: udp query failed');
    }
  });
  server.on('error', (err: Error) => log.warn({ err: err.message }, 'dns: udp socket error'));
  return server;
}

export function tcpServer(resolver: Resolver, log: Logger): dns2.TCPServer {
  const server = new dns2.TCPServer();
  server.on('request', (request: dns2.Packet, send: (r: Buffer) => Promise<Buffer>) => {
    void (async () => {
      const out = await resolver.resolve(request.toBuffer());
      if (out) await send(out);
    })().catch((err: unknown) => log.debug({ err }, 'dns: tcp query failed'));
  });
  server.on('requestError', () => undefined);
  server.on('error', (err: Error) => log.warn({ err: err.message }, 'dns: tcp server error'));
  return server;
}
