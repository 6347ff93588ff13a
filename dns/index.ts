// The DNS service: answers A/AAAA for the platform domain, every name under it and every routed
// custom domain with the gateway's public address (DEPLOYFLOW_PUBLIC_IP), over UDP and TCP on
// DNS_PORT. `startDns` is the StartService contract (common/service.ts).
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../common/config/config.js';
import { RouteTableConsumer } from '../common/routes/index.js';
import type { StartService } from '../common/service.js';
import { dnsOptions } from './options/options.js';
import { Resolver } from './resolver/resolve.js';
import { tcpServer, udpServer } from './server/servers.js';
import { Zone } from './zone/zone.js';

export { dnsOptions, type DnsOptions } from './options/options.js';

export const startDns: StartService = async (config, log) => {
  if (!config.redisUrl) throw new ConfigError('REDIS_URL', 'must be set: dns follows the route table in Redis');
  const options = dnsOptions();
  const zone = new Zone(config.domain);
  const consumer = new RouteTableConsumer({ redisUrl: config.redisUrl, log });
  consumer.on('change', (c) => zone.setHost(c.host, c.route !== null));
  await consumer.start();
  for (const host of consumer.routes.keys()) zone.setHost(host, true);

  const resolver = new Resolver(zone, options);
  const udp = udpServer(resolver, config.bind.includes(':') ? 'udp6' : 'udp4', log);
  const tcp = tcpServer(resolver, log);
  await udp.listen(config.dnsPort, config.bind);
  // Port 0 (tests): TCP takes the port UDP was given, so one number serves both.
  const port = (udp.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, config.bind, () => resolve());
  });
  log.info({ port, answer: [...options.ipv4, ...options.ipv6], forward: options.forward }, 'dns listening');

  return {
    name: 'dns',
    addresses: [`udp://${config.bind}:${port}`, `tcp://${config.bind}:${port}`],
    async stop() {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
      await consumer.stop();
    },
  };
};
