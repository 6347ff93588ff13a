// Custom domain ownership on a running control with the route table in Redis and a DNS server of
// the test's own on loopback (standing in for the domain's real DNS): a developer's domain stays
// out of the route table until its TXT record carries the app's token; a wrong or missing record
// is refused; admins and names an admin listed skip the check; another tenant cannot take a
// verified domain; deleting the app forgets its claims.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../common/log/logger.js';
import { readRouteTable } from '../common/routes/index.js';
import { startDns } from '../dns/index.js';
import { requireProgram } from './support/programs.js';
import { Redis } from 'ioredis';
import { startTxtDns, type TxtDns } from './support/txt-dns.js';
import { startRedis, type TestRedis } from './support/redis.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';

/** Asks the DNS server on 127.0.0.1:`port` for `name`'s A record with dig: the status and the answers. */
function digA(port: number, name: string): Promise<{ status: string; answers: string[] }> {
  return new Promise((resolve, reject) => {
    const args = ['@127.0.0.1', '-p', String(port), name, 'A', '+time=2', '+tries=1'];
    const child = spawn(requireProgram('dig'), args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('close', () => {
      const answer = out.split(';; ANSWER SECTION:\n')[1]?.split('\n\n')[0] ?? '';
      resolve({
        status: /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NONE',
        answers: answer
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(/\s+/).slice(3).join(' ')),
      });
    });
  });
}

describe('custom domain ownership', () => {
  let dns: TxtDns;
  let redis: TestRedis;
  let probe: Redis;
  let control: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let dev: Awaited<ReturnType<typeof registerUser>>;
  let other: Awaited<ReturnType<typeof registerUser>>;
  const routed = async (host: string): Promise<boolean> => host in (await readRouteTable(probe)).routes;
  let attacks = 0;
  let refused = 0;
  const attack = (ok: boolean, what: string): void => {
    attacks += 1;
    if (ok) refused += 1;
    assert.ok(ok, what);
  };

  before(async () => {
    dns = await startTxtDns();
    redis = await startRedis();
    probe = new Redis(redis.url);
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      DEPLOYFLOW_DOMAIN_VERIFICATION: 'on',
      DEPLOYFLOW_DOMAIN_RESOLVER: dns.resolver,
    });
    admin = await registerUser(control.url);
    dev = await registerUser(control.url);
    other = await registerUser(control.url);
    for (const [who, name] of [
      [dev, 'shop'],
      [other, 'thief'],
    ] as const)
      assert.equal((await who.post('/api/v1/apps', { name })).status, 201);
    // Routes exist only for deployed apps: publish each app's own host as a deploy would.
    await control.service.deps.routes!.setAppRoutes('shop', ['shop.paas.test'], [{ host: '127.0.0.1', port: 9 }], {});
    await control.service.deps.routes!.setAppRoutes('thief', ['thief.paas.test'], [{ host: '127.0.0.1', port: 9 }], {});
  });
  after(async () => {
    console.log(`security battery (domains): ${attacks} attacks tried, ${refused} refused`);
    await control.stop();
    probe.disconnect();
    await redis.stop();
    await dns.close();
  });

  it('keeps a claimed domain out of the route table until its TXT record carries the token', async () => {
    const added = await other.post('/api/v1/apps/thief/domains', { domain: 'github.com' });
    assert.equal(added.status, 202);
    assert.equal(added.body.state, 'pending');
    assert.equal(added.body.record.name, '_deployflow-challenge.github.com');
    attack(!(await routed('github.com')), 'claiming github.com routes nothing');
    attack(!(await other.get('/api/v1/apps/thief')).body.domains.includes('github.com'), "not among the app's domains");
    const unverified = await other.post('/api/v1/apps/thief/domains/github.com/verify');
    attack(unverified.status === 409 && unverified.body.error.code === 'DF_ERR_DOMAIN_UNVERIFIED', 'no record, no domain');
    dns.records.set('_deployflow-challenge.github.com', 'deployflow-verify=guessed-token');
    attack((await other.post('/api/v1/apps/thief/domains/github.com/verify')).status === 409, 'a wrong token is refused');
    attack(!(await routed('github.com')), 'still not routed');
    assert.deepEqual(
      (await other.get('/api/v1/apps/thief/domains/pending')).body.map((p: { domain: string }) => p.domain),
      ['github.com'],
    );
    assert.equal((await other.request('DELETE', '/api/v1/apps/thief/domains/pending/github.com')).status, 204);
  });

  it('routes the domain once the record is there, and no other tenant can take it then', async () => {
    const claim = await dev.post('/api/v1/apps/shop/domains', { domain: 'Shop.Example.org' });
    assert.equal(claim.status, 202);
    assert.equal(
      (await dev.post('/api/v1/apps/shop/domains', { domain: 'shop.example.org' })).body.record.value,
      claim.body.record.value,
      'same token',
    );
    // The thief claims it too, and even publishes a record of its own token.
    const theirs = await other.post('/api/v1/apps/thief/domains', { domain: 'shop.example.org' });
    assert.equal(theirs.status, 202);
    dns.records.set('_deployflow-challenge.shop.example.org', claim.body.record.value);
    const verified = await dev.post('/api/v1/apps/shop/domains/shop.example.org/verify');
    assert.equal(verified.status, 201);
    assert.ok(verified.body.domains.includes('shop.example.org'));
    assert.equal((await readRouteTable(probe)).routes['shop.example.org']?.app, 'shop');
    dns.records.set('_deployflow-challenge.shop.example.org', theirs.body.record.value);
    const taken = await other.post('/api/v1/apps/thief/domains/shop.example.org/verify');
    attack(taken.status === 409 && taken.body.error.code === 'DF_ERR_CONFLICT', 'a verified domain belongs to one app');
    attack((await other.post('/api/v1/apps/thief/domains', { domain: 'shop.example.org' })).status === 409, 'and cannot be claimed again');
    attack((await readRouteTable(probe)).routes['shop.example.org']?.app === 'shop', "the route stays the owner's");
  });

  it('lets admins, and names an admin listed, skip the check', async () => {
    assert.equal((await dev.put('/api/v1/settings/domains', { skipVerificationUnder: ['corp.example'] })).status, 403);
    assert.equal((await admin.put('/api/v1/settings/domains', { skipVerificationUnder: ['corp.example'] })).status, 200);
    const listed = await dev.post('/api/v1/apps/shop/domains', { domain: 'shop.corp.example' });
    assert.equal(listed.status, 201);
    assert.ok(await routed('shop.corp.example'));
    attack(
      (await dev.post('/api/v1/apps/shop/domains', { domain: 'evilcorp.example' })).status === 202,
      'a suffix match is on labels, not characters',
    );
    const byAdmin = await admin.post('/api/v1/apps/shop/domains', { domain: 'admin-added.example' });
    assert.equal(byAdmin.status, 201);
  });

  it('forgets the claims of a deleted app', async () => {
    await other.post('/api/v1/apps/thief/domains', { domain: 'left-behind.example' });
    assert.equal((await other.request('DELETE', '/api/v1/apps/thief')).status, 204);
    assert.equal((await other.post('/api/v1/apps', { name: 'thief' })).status, 201);
    attack((await other.get('/api/v1/apps/thief/domains/pending')).body.length === 0, 'a new app of the same name inherits no claim');
  });

  it("the platform's DNS answers a custom domain only once it is verified", async () => {
    // The platform's own DNS service on loopback, following this control's route table.
    const platformDns = await startDns({ ...control.config, bind: '127.0.0.1', dnsPort: 0 }, createLogger('dns', 'silent'));
    try {
      const port = Number(/:(\d+)$/.exec(platformDns.addresses[0]!)![1]);
      assert.deepEqual((await digA(port, 'shop.paas.test')).answers, ['A 127.0.0.1'], "the server answers the app's own name");
      const domain = 'dns-check.example.net';
      const claim = await dev.post('/api/v1/apps/shop/domains', { domain });
      assert.equal(claim.status, 202);
      const pending = await digA(port, domain);
      attack(pending.answers.length === 0 && pending.status !== 'NOERROR', `a pending domain is answered: ${JSON.stringify(pending)}`);
      dns.records.set(`_deployflow-challenge.${domain}`, claim.body.record.value);
      assert.equal((await dev.post(`/api/v1/apps/shop/domains/${domain}/verify`)).status, 201);
      let verified = await digA(port, domain);
      for (let i = 0; i < 50 && verified.answers.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        verified = await digA(port, domain);
      }
      assert.deepEqual(verified, { status: 'NOERROR', answers: ['A 127.0.0.1'] }, 'a verified domain is answered with the gateway');
    } finally {
      await platformDns.stop();
    }
  });
});
