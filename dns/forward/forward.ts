// Names that are not ours go to the configured upstream resolver as the client's own bytes, and
// its reply comes back unchanged. Each forwarded query gets its own socket (random source port),
// so a spoofed reply has to guess the port as well as the ID.
import dgram from 'node:dgram';
import net from 'node:net';

export function forwardQuery(query: Buffer, upstream: { host: string; port: number }, timeoutMs = 2000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(upstream.host) ? 'udp6' : 'udp4');
    let settled = false;
    const done = (reply: Buffer | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.on('message', (msg, rinfo) => {
      // Only the upstream's reply to this very query (same ID) counts.
      if (
        rinfo.address === upstream.host &&
        rinfo.port === upstream.port &&
        msg.length >= 2 &&
        msg.readUInt16BE(0) === query.readUInt16BE(0)
      )
        done(msg);
    });
    socket.send(query, upstream.port, upstream.host, (err) => {
      if (err) done(null);
    });
  });
}
