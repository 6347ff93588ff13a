// Floors for any proxy written for Node, run beside the gateway in bench/gateway.bench.ts. Each
// client connection gets its own upstream connection and bytes are copied both ways as they come:
// no routing, no header rewriting, no pool. Mode `bytes` parses nothing; mode `parsed` also runs
// every byte through Node's HTTP parser both ways (the one the gateway uses, callbacks empty) —
// the least any gateway must do to know where requests and responses end. A real gateway costs
// more than either, so their requests/s against nginx bound what a Node gateway reaches here.
// Usage: node --import tsx bench/support/node-floor-proxy.ts <port> <upstream port> bytes|parsed
import net from 'node:net';
import { createParser, HTTPParser } from '../../gateway/fast/parser.js';

const [portArg, upstreamArg, mode] = process.argv.slice(2);
const parse = mode === 'parsed';
const noop = (): number => 0;

net
  .createServer({ noDelay: true }, (client) => {
    const requests = createParser(HTTPParser.REQUEST, 16 * 1024, { begin: noop, head: noop, body: noop, complete: noop });
    const responses = createParser(HTTPParser.RESPONSE, 0, { head: noop, body: noop, complete: noop });
    // The upstream side reads into one reused buffer (no allocation per read), as the gateway does.
    const upstream = net.connect({
      host: '127.0.0.1',
      port: Number(upstreamArg),
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(16 * 1024),
        callback: (n, buf) => {
          const bytes = (buf as Buffer).subarray(0, n);
          if (parse) responses.execute(bytes);
          client.write(Buffer.from(bytes));
          return true;
        },
      },
    });
    client.on('data', (d: Buffer) => {
      if (parse) requests.execute(d);
      upstream.write(d);
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => {
      upstream.destroy();
      requests.close();
      responses.close();
    });
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
  })
  .listen(Number(portArg), '127.0.0.1', () => console.log('ready'));
