// DNS-only settings. DEPLOYFLOW_PUBLIC_IP is the address clients should use to reach the gateway
// (one IPv4 and/or one IPv6, comma-separated); DNS_FORWARD is where names that are not ours go
// (`ip` or `ip:port`; unset → such queries are REFUSED, so the resolver is never an open relay);
// DNS_FORWARD_ALLOW lists the networks it forwards for (CIDRs, or `any`; default loopback and
// private networks — forwarding for the whole internet would make it an amplifier for anyone).
import net from 'node:net';
import { ConfigError } from '../../common/config/config.js';

export interface DnsOptions {
  ipv4: string[];
  ipv6: string[];
  forward: { host: string; port: number } | null;
  /** Whether names that are not ours are forwarded for this client address. */
  mayForward(client: string): boolean;
  ttl: number;
}

/** Loopback, RFC 1918, CGNAT, link-local and unique-local networks. */
const PRIVATE_NETWORKS = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

function forwardAllowList(raw: string | undefined): (client: string) => boolean {
  if (raw?.trim() === 'any') return () => true;
  const list = new net.BlockList();
  const cidrs = raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : PRIVATE_NETWORKS;
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    const family = net.isIP(address ?? '');
    const prefix = Number(bits ?? (family === 6 ? 128 : 32));
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new ConfigError('DNS_FORWARD_ALLOW', `must be CIDRs (10.0.0.0/8,fd00::/8) or "any", got "${cidr}"`);
    }
    list.addSubnet(address!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return (client) => {
    const v4 = client.startsWith('::ffff:') && net.isIPv4(client.slice(7)) ? client.slice(7) : client;
    const family = net.isIP(v4);
    return family !== 0 && list.check(v4, family === 6 ? 'ipv6' : 'ipv4');
  };
}

type Env = Record<string, string | undefined>;

export function dnsOptions(env: Env = process.env): DnsOptions {
  const ips = (env.DEPLOYFLOW_PUBLIC_IP || '127.0.0.1')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const ip of ips) if (net.isIP(ip) === 0) throw new ConfigError('DEPLOYFLOW_PUBLIC_IP', `is not an IP address: "${ip}"`);
  // One of each family keeps every answer small (no truncation over UDP to think about).
  if (ips.filter((ip) => net.isIPv4(ip)).length > 1 || ips.filter((ip) => net.isIPv6(ip)).length > 1) {
    throw new ConfigError('DEPLOYFLOW_PUBLIC_IP', 'takes one IPv4 and/or one IPv6 address');
  }
  let forward: DnsOptions['forward'] = null;
  const raw = env.DNS_FORWARD;
  if (raw) {
    const m =
      /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+))(?::([0-9]{1,5}))?$/.exec(raw) ?? (net.isIPv6(raw) ? [raw, raw, undefined, undefined] : null);
    const host = m ? (m[1] ?? m[2]!) : '';
    const port = m?.[3] ? Number(m[3]) : 53;
    if (!m || net.isIP(host) === 0 || port < 1 || port > 65535) throw new ConfigError('DNS_FORWARD', `must be ip or ip:port, got "${raw}"`);
    forward = { host, port };
  }
  const ttl = env.DNS_TTL ? Number(env.DNS_TTL) : 30;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 86400) throw new ConfigError('DNS_TTL', 'must be 0-86400 seconds');
  const mayForward = forwardAllowList(env.DNS_FORWARD_ALLOW);
  return { ipv4: ips.filter((ip) => net.isIPv4(ip)), ipv6: ips.filter((ip) => net.isIPv6(ip)), forward, mayForward, ttl };
}
