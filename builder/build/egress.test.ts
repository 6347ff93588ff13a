// The build network's rule list (pure): the host answers nothing but DNS on the build bridge,
// private ranges open only with the admins' switch, loopback/link-local/multicast never.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEgressRules, egressPlan, HOST_CHAIN, NET_CHAIN, parseNameservers, type Iptables } from './egress.js';

describe('build egress rules', () => {
  it('rejects everything to the host but DNS, and private ranges unless allowed', () => {
    const plan = egressPlan({ bridge: 'docker0', nameservers: ['10.255.255.53', '127.0.0.53'], allowPrivate: false });
    assert.deepEqual(plan.host.at(-1), ['-j', 'REJECT']);
    assert.ok(plan.host.some((r) => r.join(' ') === '-d 10.255.255.53 -p udp --dport 53 -j RETURN'));
    assert.ok(!plan.host.some((r) => r.includes('127.0.0.53')), 'a loopback resolver is not the container\'s');
    const rejected = plan.net.filter((r) => r.at(-1) === 'REJECT').map((r) => r[1]);
    assert.deepEqual(rejected, ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']);
    const open = egressPlan({ bridge: 'docker0', nameservers: [], allowPrivate: true }).net.filter((r) => r.at(-1) === 'REJECT').map((r) => r[1]);
    assert.ok(open.includes('169.254.0.0/16') && !open.includes('10.0.0.0/8'));
    assert.deepEqual(plan.jumps, [{ chain: 'INPUT', args: ['-i', 'docker0', '-j', HOST_CHAIN] }, { chain: 'DOCKER-USER', args: ['-i', 'docker0', '-j', NET_CHAIN] }]);
  });

  it('reads resolvers and writes the chains idempotently', async () => {
    assert.deepEqual(parseNameservers('# x\nnameserver 10.0.0.2\nnameserver ::1\n  nameserver 1.1.1.1\n'), ['10.0.0.2', '1.1.1.1']);
    const calls: string[] = [];
    const present = new Set<string>();
    const fake: Iptables = async (args) => {
      calls.push(args.join(' '));
      if (args[0] === '-C') return { code: present.has(args.slice(1).join(' ')) ? 0 : 1, stderr: '' };
      if (args[0] === '-I') present.add([args[1], ...args.slice(3)].join(' '));
      return { code: 0, stderr: '' };
    };
    const plan = egressPlan({ bridge: 'docker0', nameservers: [], allowPrivate: false });
    await applyEgressRules(plan, fake);
    await applyEgressRules(plan, fake);
    assert.equal(calls.filter((c) => c.startsWith('-I ')).length, 2, 'each jump is inserted once');
    assert.equal(calls.filter((c) => c === `-F ${HOST_CHAIN}`).length, 2, 'the chains are rewritten each time');
  });
});
