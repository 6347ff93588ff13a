// The build network's rule list (pure): the host answers nothing but DNS on the build bridge,
// private ranges open only with the admins' switch, loopback/link-local/multicast never.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  applyBuildEgress,
  applyEgressRules,
  egressPlan,
  egressPlan6,
  HOST_CHAIN,
  NET_CHAIN,
  parseNameservers,
  parseNameservers6,
  type IptablesFamily,
} from './egress.js';

/**
 * What a chain of the plan does with a new TCP connection to `address`:`port` (conntrack state
 * NEW), rule by rule as iptables does: the first rule whose destination (and protocol and port,
 * when it names them) matches decides; none, and the packet goes on to the engine's own rules.
 */
function verdict(rules: string[][], address: string, port = 443): 'REJECT' | 'RETURN' | 'passes' {
  const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
  for (const rule of rules) {
    if (rule.includes('--ctstate')) continue; // ESTABLISHED,RELATED: not a new connection
    const at = (flag: string): string | undefined => rule[rule.indexOf(flag) + 1];
    const dest = rule.includes('-d') ? at('-d')! : null;
    if (dest) {
      const [base, bits] = dest.split('/');
      const list = new net.BlockList();
      const v6 = net.isIP(base!) === 6;
      if ((family === 'ipv6') !== v6) continue;
      list.addSubnet(base!, Number(bits ?? (v6 ? 128 : 32)), v6 ? 'ipv6' : 'ipv4');
      if (!list.check(address, family)) continue;
    }
    if (rule.includes('-p') && at('-p') !== 'tcp') continue;
    if (rule.includes('--dport') && Number(at('--dport')) !== port) continue;
    return at('-j') as 'REJECT' | 'RETURN';
  }
  return 'passes';
}

describe('build egress rules', () => {
  it('leaves public destinations (package registries) open and closes metadata, the host and private ranges', () => {
    const resolver = '10.255.255.53';
    const plan = egressPlan({ bridge: 'docker0', nameservers: [resolver], allowPrivate: false });
    const plan6 = egressPlan6({ bridge: 'docker0', nameservers: [], allowPrivate: false });
    // Addresses of public registries (npm, PyPI, Docker Hub, Go proxy) and public resolvers.
    for (const address of ['104.16.0.35', '151.101.0.223', '54.236.113.205', '142.250.74.17', '1.1.1.1'])
      assert.equal(verdict(plan.net, address), 'passes', address);
    for (const address of ['2606:4700::6810:23', '2a04:4e42::223']) assert.equal(verdict(plan6.net, address), 'passes', address);
    // The engine's DNS for build steps goes to the host's resolver, even in a private range.
    assert.equal(verdict(plan.net, resolver, 53), 'RETURN');
    assert.equal(verdict(plan.host, resolver, 53), 'RETURN');
    // Metadata, loopback, the host's bridge address, another app's bridge address, private networks.
    for (const address of ['169.254.169.254', '127.0.0.1', '172.17.0.1', '172.18.0.2', '10.0.0.5', '192.168.1.1', '100.64.0.1'])
      assert.equal(verdict(plan.net, address), 'REJECT', address);
    for (const address of ['fd00:ec2::254', 'fe80::1', '::ffff:169.254.169.254'])
      assert.equal(verdict(plan6.net, address), 'REJECT', address);
    // To the host itself (INPUT from the bridge) only DNS to its resolver, whatever the port.
    assert.equal(verdict(plan.host, '172.17.0.1', 5000), 'REJECT');
    assert.equal(verdict(plan.host, resolver, 443), 'REJECT');
    // Admins allowing private ranges open them, never metadata or loopback.
    const open = egressPlan({ bridge: 'docker0', nameservers: [], allowPrivate: true });
    assert.equal(verdict(open.net, '10.0.0.5'), 'passes');
    assert.equal(verdict(open.net, '169.254.169.254'), 'REJECT');
    assert.equal(verdict(open.net, '127.0.0.1'), 'REJECT');
  });

  it('rejects everything to the host but DNS, and private ranges unless allowed', () => {
    const plan = egressPlan({ bridge: 'docker0', nameservers: ['10.255.255.53', '127.0.0.53'], allowPrivate: false });
    assert.deepEqual(plan.host.at(-1), ['-j', 'REJECT']);
    assert.ok(plan.host.some((r) => r.join(' ') === '-d 10.255.255.53 -p udp --dport 53 -j RETURN'));
    assert.ok(!plan.host.some((r) => r.includes('127.0.0.53')), "a loopback resolver is not the container's");
    const rejected = plan.net.filter((r) => r.at(-1) === 'REJECT').map((r) => r[1]);
    assert.deepEqual(rejected, [
      '0.0.0.0/8',
      '127.0.0.0/8',
      '169.254.0.0/16',
      '224.0.0.0/4',
      '240.0.0.0/4',
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.64.0.0/10',
    ]);
    const open = egressPlan({ bridge: 'docker0', nameservers: [], allowPrivate: true })
      .net.filter((r) => r.at(-1) === 'REJECT')
      .map((r) => r[1]);
    assert.ok(open.includes('169.254.0.0/16') && !open.includes('10.0.0.0/8'));
    assert.deepEqual(plan.jumps, [
      { chain: 'INPUT', args: ['-i', 'docker0', '-j', HOST_CHAIN] },
      { chain: 'DOCKER-USER', args: ['-i', 'docker0', '-j', NET_CHAIN] },
    ]);
  });

  it('reads resolvers and writes both chains in one atomic restore, each jump inserted once', async () => {
    assert.deepEqual(parseNameservers('# x\nnameserver 10.0.0.2\nnameserver ::1\n  nameserver 1.1.1.1\n'), ['10.0.0.2', '1.1.1.1']);
    const checks: string[] = [];
    const scripts: string[] = [];
    const present = new Set<string>();
    const fake: IptablesFamily = {
      run: async (args) => {
        checks.push(args.join(' '));
        return { code: present.has(args.slice(1).join(' ')) ? 0 : 1, stderr: '' };
      },
      restore: async (script) => {
        scripts.push(script);
        for (const line of script.split('\n').filter((l) => l.startsWith('-I ')))
          present.add(
            line
              .split(' ')
              .filter((_, i) => i !== 0 && i !== 2)
              .join(' '),
          );
        return { code: 0, stderr: '' };
      },
    };
    const plan = egressPlan({ bridge: 'docker0', nameservers: ['10.255.255.53'], allowPrivate: false });
    await applyEgressRules(plan, fake);
    await applyEgressRules(plan, fake);
    assert.equal(scripts.length, 2, 'one restore per write, not one program per rule');
    assert.equal(checks.length, 4, 'each write checks the two jumps');
    const [first, second] = scripts as [string, string];
    const lines = first.split('\n');
    assert.deepEqual(
      lines.slice(0, 3),
      ['*filter', `:${HOST_CHAIN} - [0:0]`, `:${NET_CHAIN} - [0:0]`],
      'both chains declared: created or emptied',
    );
    assert.ok(lines.includes(`-A ${NET_CHAIN} -d 169.254.0.0/16 -j REJECT`));
    assert.ok(lines.includes(`-A ${HOST_CHAIN} -d 10.255.255.53 -p udp --dport 53 -j RETURN`));
    assert.ok(lines.includes(`-I INPUT 1 -i docker0 -j ${HOST_CHAIN}`) && lines.includes(`-I DOCKER-USER 1 -i docker0 -j ${NET_CHAIN}`));
    assert.equal(lines.at(-2), 'COMMIT');
    assert.ok(!second.includes('-I '), 'jumps already there are not inserted again');
    assert.equal(second.split('\n').filter((l) => l.startsWith('-A ')).length, plan.host.length + plan.net.length);
  });

  it('writes the chains of two builds at once one after the other, so a jump is never inserted twice', async () => {
    const present = new Set<string>();
    let inserts = 0;
    const slow: IptablesFamily = {
      run: async (args) => {
        await new Promise((r) => setTimeout(r, 5));
        return { code: present.has(args.slice(1).join(' ')) ? 0 : 1, stderr: '' };
      },
      restore: async (script) => {
        await new Promise((r) => setTimeout(r, 5));
        for (const line of script.split('\n').filter((l) => l.startsWith('-I '))) {
          inserts++;
          present.add(
            line
              .split(' ')
              .filter((_, i) => i !== 0 && i !== 2)
              .join(' '),
          );
        }
        return { code: 0, stderr: '' };
      },
    };
    const plan = egressPlan({ bridge: 'docker0', nameservers: [], allowPrivate: false });
    await Promise.all([applyEgressRules(plan, slow), applyEgressRules(plan, slow)]);
    assert.equal(inserts, 2, 'two jumps, each once');
    // A failed write does not block the next one.
    const failing: IptablesFamily = { run: async () => ({ code: 1, stderr: '' }), restore: async () => ({ code: 2, stderr: 'bad rule' }) };
    await assert.rejects(applyEgressRules(plan, failing), /restore of the build chains: bad rule/);
    await applyEgressRules(plan, slow);
  });

  it('closes the same doors for IPv6: the host, loopback, link-local, mapped and NAT64 forms, ULA unless private is allowed', () => {
    const plan = egressPlan6({ bridge: 'docker0', nameservers: ['2001:db8::53', 'fe80::1', '::1'], allowPrivate: false });
    assert.deepEqual(plan.host.at(-1), ['-j', 'REJECT']);
    assert.ok(plan.host.some((r) => r.join(' ') === '-d 2001:db8::53 -p udp --dport 53 -j RETURN'));
    assert.ok(
      !plan.host.some((r) => r.includes('fe80::1') || r.includes('::1')),
      "link-local and loopback resolvers are not the container's",
    );
    const rejected = plan.net.filter((r) => r.at(-1) === 'REJECT').map((r) => r[1]);
    assert.deepEqual(rejected, ['::/96', '::ffff:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', 'fe80::/10', 'ff00::/8', 'fc00::/7']);
    const open = egressPlan6({ bridge: 'docker0', nameservers: [], allowPrivate: true }).net.map((r) => r[1]);
    assert.ok(open.includes('fe80::/10') && open.includes('::ffff:0:0/96') && !open.includes('fc00::/7'));
    assert.deepEqual(
      plan.jumps.map((j) => j.chain),
      ['INPUT', 'FORWARD'],
    );
    assert.deepEqual(parseNameservers6('nameserver 10.0.0.2\nnameserver 2001:db8::53\n'), ['2001:db8::53']);
  });

  it('refuses to confine without the IPv6 rules when the host has IPv6; a host without IPv6 builds on the IPv4 rules', async () => {
    const ok: IptablesFamily = { run: async () => ({ code: 0, stderr: '' }), restore: async () => ({ code: 0, stderr: '' }) };
    const broken: IptablesFamily = {
      run: async () => ({ code: 1, stderr: '' }),
      restore: async () => ({ code: 3, stderr: "can't initialize table" }),
    };
    const network = { bridge: 'docker0', nameservers: [], nameservers6: [], ipv6: false };
    await assert.rejects(
      applyBuildEgress(network, false, { v4: ok, v6: broken, hostHasIpv6: async () => true }),
      /ip\(6\)tables-restore of the build chains: can't initialize table/,
    );
    await assert.rejects(applyBuildEgress({ ...network, ipv6: true }, false, { v4: ok, v6: broken, hostHasIpv6: async () => false }));
    await applyBuildEgress(network, false, { v4: ok, v6: broken, hostHasIpv6: async () => false });
    await assert.rejects(applyBuildEgress(network, false, { v4: broken, v6: ok }), 'IPv4 rules are always required');
  });
});
