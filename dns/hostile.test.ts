// What a hostile client can send the resolver: a response (two servers, or one spoofed to itself,
// would bounce it for ever), a datagram "from" port 0 (sending to it throws — once it ended the
// process), a TCP connection left half-open (dns2 only half-closes idle ones), and queries for
// other names from outside the networks it forwards for (an open resolver amplifies for anyone).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../common/config/config.js';
import { createLogger } from '../common/log/logger.js';
import { dnsOptions } from './options/options.js';
import { Resolver } from './resolver/resolve.js';
import { tcpServer, udpServer } from './server/servers.js';
import { Zone } from './zone/zone.js';

const log = createLogger('dns', 'silent');

/** A query for `name` (type A) as a client sends it, with the RD bit. */
function query(name: string, id = 0x1234): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}
const rcode = (reply: Buffer): number => reply[3]! & 0x0f;

describe('dns against hostile clients', () => {
  let upstream: dgram.Socket;
  let upstreamPort: number;

  before(async () => {
    // A stand-in upstream resolver: answers every query NXDOMAIN.
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (msg, rinfo) => {
      const out = Buffer.from(msg);
      out[2] = 0x81;
      out[3] = 0x83;
      upstream.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
    upstreamPort = upstream.address().port;
  });
  after(() => upstream.close());

  const resolver = (env: Record<string, string> = {}): Resolver =>
    new Resolver(new Zone('paas.local'), dnsOptions({ DNS_FORWARD: `127.0.0.1:${upstreamPort}`, ...env }));

  it('takes one public address per family, and names up to 255 octets on the wire', () => {
    assert.throws(() => dnsOptions({ DEPLOYFLOW_PUBLIC_IP: '127.0.0.1,127.0.0.2' }), ConfigError);
    assert.equal(dnsOptions({ DEPLOYFLOW_PUBLIC_IP: '127.0.0.1,::1' }).ipv6.length, 1);
    const label = 'a'.repeat(63);
    const longest = `${label}.${label}.${label}.${'a'.repeat(50)}.paas.local`; // 253 characters = 255 octets
    assert.equal(longest.length, 253);
    assert.equal(rcode(resolver().resolve(query(longest), '127.0.0.1') as Buffer), 0, 'answered');
    const over = `${label}.${label}.${label}.${'a'.repeat(51)}.paas.local`; // 254 characters = 256 octets
    assert.equal(rcode(resolver().resolve(query(over), '127.0.0.1') as Buffer), 1, 'FORMERR one octet over');
  });

  it('refuses a label with a dot in it as malformed (its text would not match its labels)', () => {
    // The labels "x.paas" and "local": as text "x.paas.local", which is not what was asked.
    const header = query('paas.local').subarray(0, 12);
    const dotted = Buffer.concat([
      header,
      Buffer.from([6]),
      Buffer.from('x.paas'),
      Buffer.from([5]),
      Buffer.from('local'),
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    assert.equal(rcode(resolver().resolve(dotted, '127.0.0.1') as Buffer), 1);
  });

  it('never answers a response', () => {
    const response = query('paas.local');
    response[2] = 0x81; // QR set
    assert.equal(resolver().resolve(response, '127.0.0.1'), null);
    const formerr = Buffer.from('123481010000000000000000', 'hex'); // a bare FORMERR response
    assert.equal(resolver().resolve(formerr, '127.0.0.1'), null);
  });

  it('forwards only for loopback and private networks by default, or the ones listed', async () => {
    const r = resolver();
    assert.equal(rcode((await r.resolve(query('example.org'), '127.0.0.1'))!), 3, "forwarded: the upstream's NXDOMAIN");
    assert.equal(rcode((await r.resolve(query('example.org'), '::ffff:192.168.1.5'))!), 3);
    assert.equal(rcode((await r.resolve(query('example.org'), '203.0.113.7'))!), 5, 'REFUSED for a public address');
    assert.equal(rcode((await r.resolve(query('web.paas.local'), '203.0.113.7'))!), 0, 'our own names answer everyone');
    const listed = resolver({ DNS_FORWARD_ALLOW: '203.0.113.0/24' });
    assert.equal(rcode((await listed.resolve(query('example.org'), '203.0.113.7'))!), 3);
    assert.equal(rcode((await listed.resolve(query('example.org'), '127.0.0.1'))!), 5);
    assert.equal(rcode((await resolver({ DNS_FORWARD_ALLOW: 'any' }).resolve(query('example.org'), '8.8.8.8'))!), 3);
    assert.throws(() => dnsOptions({ DNS_FORWARD_ALLOW: '10.0.0.0/33' }), ConfigError);
    assert.throws(() => dnsOptions({ DNS_FORWARD_ALLOW: 'nonsense' }), ConfigError);
  });

  it('survives a forwarded query "from" port 0', async () => {
    const failures: unknown[] = [];
    const record = (err: unknown): void => {
      failures.push(err);
    };
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    const server = udpServer(resolver(), 'udp4', log);
    try {
      await server.listen(0, '127.0.0.1');
      server.emit('message', query('example.org'), { address: '127.0.0.1', port: 0, family: 'IPv4', size: 29 });
      await new Promise((r) => setTimeout(r, 300)); // the forward answers within a few ms
      assert.deepEqual(failures, []);
    } finally {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('closes an idle TCP connection for good, not only its own side', async () => {
    const server = tcpServer(resolver(), log, 200);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    // A client that never closes its side, having sent half a message.
    const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => undefined);
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write(Buffer.from([0, 40, 1]));
    const connections = (): Promise<number> => new Promise((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
    assert.equal(await connections(), 1);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await connections(), 0, 'the server let go of the connection');
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
