// The build network's egress rules. RUN steps of the engine's BuildKit (and of the classic
// builder) run on the engine's default bridge (docker0); apps run on their own network. From that
// bridge the host itself answers on the gateway address (172.17.0.1 reaches every service bound
// to 0.0.0.0), and the host routes to private networks and cloud metadata. Two chains close that,
// keeping the public internet (package registries) and the host's DNS resolvers reachable:
// - DEPLOYFLOW-BUILD-HOST (from INPUT): nothing from the bridge reaches the host but DNS.
// - DEPLOYFLOW-BUILD-NET (from DOCKER-USER, i.e. FORWARD): no loopback, link-local, multicast or
//   "this network" destination, and no private or CGNAT one unless an admin allows private URLs
//   (the same switch as webhook clones).
// The rule list is pure (unit-tested); `applyEgressRules` writes it with iptables, replacing the
// chains' contents each time so a change of the setting takes effect at the next build.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';

export const HOST_CHAIN = 'DEPLOYFLOW-BUILD-HOST';
export const NET_CHAIN = 'DEPLOYFLOW-BUILD-NET';

const ALWAYS_BLOCKED = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

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

export function egressPlan(opts: EgressOptions): EgressPlan {
  const established = ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'];
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

/** IPv4 `nameserver` lines of a resolv.conf. */
export function parseNameservers(resolvConf: string): string[] {
  return resolvConf.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((a): a is string => !!a && net.isIPv4(a));
}

export type Iptables = (args: string[]) => Promise<{ code: number; stderr: string }>;

export const iptables: Iptables = (args) => new Promise((resolve) => {
  const child = spawn('iptables', ['-w', '5', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.once('error', (err) => resolve({ code: -1, stderr: err.message }));
  child.once('close', (code) => resolve({ code: code ?? -1, stderr }));
});

async function must(run: Iptables, args: string[]): Promise<void> {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`iptables ${args.join(' ')}: ${r.stderr.trim().slice(0, 200) || `exit ${r.code}`}`);
}

export async function applyEgressRules(plan: EgressPlan, run: Iptables = iptables): Promise<void> {
  for (const [chain, rules] of [[HOST_CHAIN, plan.host], [NET_CHAIN, plan.net]] as const) {
    await run(['-N', chain]); // exists already after the first build
    await must(run, ['-F', chain]);
    for (const rule of rules) await must(run, ['-A', chain, ...rule]);
  }
  for (const jump of plan.jumps) {
    if ((await run(['-C', jump.chain, ...jump.args])).code !== 0) await must(run, ['-I', jump.chain, '1', ...jump.args]);
  }
}

/** The default bridge's interface and the resolvers its containers get (the host's resolv.conf). */
export async function buildNetwork(docker: { getNetwork(id: string): { inspect(): Promise<unknown> } }): Promise<{ bridge: string; nameservers: string[] }> {
  const inspect = (await docker.getNetwork('bridge').inspect().catch(() => ({}))) as { Options?: Record<string, string> };
  const bridge = inspect.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const nameservers = parseNameservers(await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  return { bridge, nameservers };
}
