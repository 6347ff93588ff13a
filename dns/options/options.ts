// DNS-only settings. DEPLOYFLOW_PUBLIC_IP is the address clients should use to reach the gateway
// (one IPv4 and/or one IPv6, comma-separated); DNS_FORWARD is where names that are not ours go
// (`ip` or `ip:port`; unset → such queries are REFUSED, so the resolver is never an open relay).
import net from 'node:net';
import { ConfigError } from '../../common/config/config.js';

export interface DnsOptions {
  ipv4: string[];
  ipv6: string[];
  forward: { host: string; port: number } | null;
  ttl: number;
}

type Env = Record<string, string | undefined>;

export function dnsOptions(env: Env = process.env): DnsOptions {
  const ips = (env.DEPLOYFLOW_PUBLIC_IP || '127.0.0.1').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ip of ips) if (net.isIP(ip) === 0) throw new ConfigError('DEPLOYFLOW_PUBLIC_IP', `is not an IP address: "${ip}"`);
  let forward: DnsOptions['forward'] = null;
  const raw = env.DNS_FORWARD;
  if (raw) {
    const m = /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+))(?::([0-9]{1,5}))?$/.exec(raw) ?? (net.isIPv6(raw) ? [raw, raw, undefined, undefined] : null);
    const host = m ? (m[1] ?? m[2]!) : '';
    const port = m?.[3] ? Number(m[3]) : 53;
    if (!m || net.isIP(host) === 0 || port < 1 || port > 65535) throw new ConfigError('DNS_FORWARD', `must be ip or ip:port, got "${raw}"`);
    forward = { host, port };
  }
  const ttl = env.DNS_TTL ? Number(env.DNS_TTL) : 30;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 86400) throw new ConfigError('DNS_TTL', 'must be 0-86400 seconds');
  return { ipv4: ips.filter((ip) => net.isIPv4(ip)), ipv6: ips.filter((ip) => net.isIPv6(ip)), forward, ttl };
}
