// The build network's egress rules. RUN steps of the engine's BuildKit (and of the classic
// builder) run on the engine's default bridge (docker0); apps run on their own network. From that
// bridge the host itself answers on the gateway address (172.17.0.1 reaches every service bound
// to 0.0.0.0), and the host routes to private networks and cloud metadata. Two chains close that,
// keeping the public internet (package registries) and the host's DNS resolvers reachable:
// - DEPLOYFLOW-BUILD-HOST (from INPUT): nothing from the bridge reaches the host but DNS.
// - DEPLOYFLOW-BUILD-NET (from DOCKER-USER, i.e. FORWARD): no loopback, link-local, multicast or
//   "this network" destination, and no private or CGNAT one unless an admin allows private URLs
//   (the same switch as webhook clones).
// The rule list is pure (unit-tested); `applyEgressRules` writes it with iptables-restore, replacing
// the chains' contents atomically each time so a change of the setting takes effect at the next build.
// IPv6 gets the same two chains in ip6tables (the host's link-local address on the bridge answers
// like 172.17.0.1 does; loopback, link-local, ULA unless private ranges are allowed, multicast,
// and the IPv4-mapped / NAT64 forms that lead back to IPv4). The engine gives build steps no IPv6
// today (the default bridge has none, steps run with it disabled); the rules keep that true if it
// changes, and a host with IPv6 where ip6tables cannot be written does not build.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';

export const HOST_CHAIN = 'DEPLOYFLOW-BUILD-HOST';
export const NET_CHAIN = 'DEPLOYFLOW-BUILD-NET';

const ALWAYS_BLOCKED = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];
/** Unspecified, loopback and IPv4-compatible (::/96), IPv4-mapped, NAT64, link-local, multicast. */
const ALWAYS_BLOCKED_6 = ['::/96', '::ffff:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', 'fe80::/10', 'ff00::/8'];
const PRIVATE_6 = ['fc00::/7'];

export interface EgressOptions {
  /** The bridge interface build steps use, `docker0`. */
  bridge: string;
  /** IPv4 resolvers build steps are given (the host's): DNS to them stays open. */
  nameservers: string[];
  allowPrivate: boolean;
}

export interface EgressPlan {
  /** Rules of the two chains, each an iptables argument list after `-A <chain>`. */
  host: string[][];
  net: string[][];
  /** The jumps into them: [builtin chain, …match args]. */
  jumps: Array<{ chain: string; args: string[] }>;
}

function dns(to: string): string[][] {
  return ['udp', 'tcp'].map((proto) => ['-d', to, '-p', proto, '--dport', '53', '-j', 'RETURN']);
}

const ESTABLISHED = ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'];

export function egressPlan(opts: EgressOptions): EgressPlan {
  const established = ESTABLISHED;
  const resolvers = opts.nameservers.filter((a) => net.isIPv4(a) && !a.startsWith('127.'));
  const blocked = opts.allowPrivate ? ALWAYS_BLOCKED : [...ALWAYS_BLOCKED, ...PRIVATE];
  return {
    host: [established, ...resolvers.flatMap(dns), ['-j', 'REJECT']],
    net: [established, ...resolvers.flatMap(dns), ...blocked.map((cidr) => ['-d', cidr, '-j', 'REJECT'])],
    jumps: [
      { chain: 'INPUT', args: ['-i', opts.bridge, '-j', HOST_CHAIN] },
      { chain: 'DOCKER-USER', args: ['-i', opts.bridge, '-j', NET_CHAIN] },
    ],
  };
}

/** The same chains for ip6tables; the forward chain hangs off FORWARD (the engine makes no IPv6 DOCKER-USER). */
export function egressPlan6(opts: EgressOptions): EgressPlan {
  const resolvers = opts.nameservers.filter((a) => net.isIPv6(a) && !isLocal6(a));
  const blocked = opts.allowPrivate ? ALWAYS_BLOCKED_6 : [...ALWAYS_BLOCKED_6, ...PRIVATE_6];
  return {
    host: [ESTABLISHED, ...resolvers.flatMap(dns), ['-j', 'REJECT']],
    net: [ESTABLISHED, ...resolvers.flatMap(dns), ...blocked.map((cidr) => ['-d', cidr, '-j', 'REJECT'])],
    jumps: [
      { chain: 'INPUT', args: ['-i', opts.bridge, '-j', HOST_CHAIN] },
      { chain: 'FORWARD', args: ['-i', opts.bridge, '-j', NET_CHAIN] },
    ],
  };
}

function isLocal6(address: string): boolean {
  const a = address.toLowerCase();
  return a === '::1' || a.startsWith('fe8') || a.startsWith('fe9') || a.startsWith('fea') || a.startsWith('feb') || a.startsWith('::ffff:');
}

/** IPv6 `nameserver` lines of a resolv.conf (a zone index makes it unusable from a container). */
export function parseNameservers6(resolvConf: string): string[] {
  return resolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((a): a is string => !!a && net.isIPv6(a));
}

/** IPv4 `nameserver` lines of a resolv.conf. */
export function parseNameservers(resolvConf: string): string[] {
  return resolvConf
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((a): a is string => !!a && net.isIPv4(a));
}

export interface IptablesResult {
  code: number;
  stderr: string;
}
/** One iptables (or ip6tables) call: `-C` checks a rule. */
export type Iptables = (args: string[]) => Promise<IptablesResult>;
/** One `iptables-restore --noflush` of a script: every line of it applied in one atomic commit. */
export type IptablesRestore = (script: string) => Promise<IptablesResult>;
/** What the rules of one address family are written with. */
export interface IptablesFamily {
  run: Iptables;
  restore: IptablesRestore;
}

function spawnIptables(program: string, args: string[], input: string | null): Promise<IptablesResult> {
  return new Promise((resolve) => {
    const child = spawn(program, ['-w', '5', ...args], { stdio: [input === null ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', (err) => resolve({ code: -1, stderr: err.message }));
    child.once('close', (code) => resolve({ code: code ?? -1, stderr }));
    if (input !== null) {
      child.stdin!.on('error', () => {}); // a program that failed to start: its 'error' answers
      child.stdin!.end(input);
    }
  });
}

const family = (program: 'iptables' | 'ip6tables'): IptablesFamily => ({
  run: (args) => spawnIptables(program, args, null),
  restore: (script) => spawnIptables(`${program}-restore`, ['--noflush'], script),
});

export const iptables = family('iptables');
export const ip6tables = family('ip6tables');

/**
 * The plan as one iptables-restore script. A chain declared with `--noflush` is created, or
 * emptied if it exists, in the same commit as its new rules: a build already running (builds run
 * side by side) never meets a flushed, half-written chain, and the whole plan costs one program
 * start instead of one per rule. `missingJumps` are inserted first in their built-in chains.
 */
export function restoreScript(plan: EgressPlan, missingJumps: EgressPlan['jumps']): string {
  const lines = ['*filter', `:${HOST_CHAIN} - [0:0]`, `:${NET_CHAIN} - [0:0]`];
  for (const rule of plan.host) lines.push(['-A', HOST_CHAIN, ...rule].join(' '));
  for (const rule of plan.net) lines.push(['-A', NET_CHAIN, ...rule].join(' '));
  for (const jump of missingJumps) lines.push(['-I', jump.chain, '1', ...jump.args].join(' '));
  lines.push('COMMIT', '');
  return lines.join('\n');
}

// This process writes the chains one build at a time: two builds at once could both find a jump
// missing and insert it twice.
let writing: Promise<unknown> = Promise.resolve();

/** Writes the plan's chains (atomically) and the jumps into them that are not there yet. */
export function applyEgressRules(plan: EgressPlan, ipt: IptablesFamily = iptables): Promise<void> {
  const next = writing.then(async () => {
    const missing: EgressPlan['jumps'] = [];
    for (const jump of plan.jumps) if ((await ipt.run(['-C', jump.chain, ...jump.args])).code !== 0) missing.push(jump);
    const r = await ipt.restore(restoreScript(plan, missing));
    if (r.code !== 0) throw new Error(`ip(6)tables-restore of the build chains: ${r.stderr.trim().slice(0, 200) || `exit ${r.code}`}`);
  });
  writing = next.catch(() => {});
  return next;
}

export interface BuildNetwork {
  bridge: string;
  nameservers: string[];
  nameservers6: string[];
  /** Whether the engine gives the bridge IPv6 addresses (`EnableIPv6`). */
  ipv6: boolean;
}

/** The default bridge's interface and the resolvers its containers get (the host's resolv.conf). */
export async function buildNetwork(docker: { getNetwork(id: string): { inspect(): Promise<unknown> } }): Promise<BuildNetwork> {
  type Inspect = { Options?: Record<string, string>; EnableIPv6?: boolean };
  const inspect = (await docker
    .getNetwork('bridge')
    .inspect()
    .catch(() => ({}))) as Inspect;
  const bridge = inspect.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const resolvConf = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const ipv6 = inspect.EnableIPv6 === true;
  return { bridge, nameservers: parseNameservers(resolvConf), nameservers6: parseNameservers6(resolvConf), ipv6 };
}

/**
 * Both families' rules for the build bridge. IPv4 must be written; IPv6 too unless the host has
 * no IPv6 at all (no /proc/sys/net/ipv6: nothing to filter) — a host with IPv6 whose ip6tables
 * cannot be written would leave the host's link-local address open, so the build does not start.
 */
export async function applyBuildEgress(
  network: BuildNetwork,
  allowPrivate: boolean,
  run: { v4?: IptablesFamily; v6?: IptablesFamily; hostHasIpv6?: () => Promise<boolean> } = {},
): Promise<void> {
  await applyEgressRules(egressPlan({ bridge: network.bridge, nameservers: network.nameservers, allowPrivate }), run.v4 ?? iptables);
  try {
    await applyEgressRules(egressPlan6({ bridge: network.bridge, nameservers: network.nameservers6, allowPrivate }), run.v6 ?? ip6tables);
  } catch (err) {
    const hostHasIpv6 =
      run.hostHasIpv6 ??
      (() =>
        fs.access('/proc/sys/net/ipv6').then(
          () => true,
          () => false,
        ));
    if (network.ipv6 || (await hostHasIpv6())) throw err;
  }
}
