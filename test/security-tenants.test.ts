// The standing hostile-tenant battery: a real control, Redis and gateway on loopback, and a
// developer who tries what a review of a running instance found. Every attempt must be refused;
// the count of attempts and refusals is printed so a run shows what was tried.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import forge from 'node-forge';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { gitAccess } from '../control/git-bridge/access.js';
import { githubSignature } from '../control/webhooks/signature.js';
import { startGateway } from '../gateway/index.js';
import { acmeDomains, readCustomCertificate, rememberAcmeDomain, setCustomCertificate } from '../common/certificates/index.js';
import { Client, registerUser, startTestControl, type TestControl } from './support/control.js';
import { freePort } from './support/ports.js';
import { connectSocket } from './support/realtime.js';
import { startRedis, type TestRedis } from './support/redis.js';

const DOMAIN = 'shop.tenant-a.test';

/** A self-signed certificate and key for `name`, as a tenant would upload it. */
function selfSigned(name: string): { certificate: string; privateKey: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '0a1b2c3d';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: name }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: name }] }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certificate: forge.pki.certificateToPem(cert), privateKey: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** The certificate the gateway presents for `servername` (verification off: we inspect it). */
function servedCertificate(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.destroy();
      if (raw) resolve(raw);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}

describe('security battery (tenants)', () => {
  let redis: TestRedis;
  let control: TestControl;
  let gateway: RunningService;
  let httpsPort: number;
  let victim: Awaited<ReturnType<typeof registerUser>>;
  let attacker: Awaited<ReturnType<typeof registerUser>>;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  let tried = 0;
  let refused = 0;

  /** Records one attack; `held` is true when the platform refused it as it must. */
  function attack(what: string, held: boolean): void {
    tried += 1;
    if (held) refused += 1;
    assert.ok(held, `not refused: ${what}`);
  }

  before(async () => {
    redis = await startRedis();
    httpsPort = await freePort();
    control = await startTestControl({
      REDIS_URL: redis.url,
      DEPLOYFLOW_DOMAIN: 'paas.test',
      GATEWAY_HTTP_PORT: String(await freePort()),
      GATEWAY_HTTPS_PORT: String(httpsPort),
    });
    gateway = await startGateway(control.config, createLogger('gateway', 'silent'));
    admin = await registerUser(control.url); // the first account is the admin; the tenants are developers
    victim = await registerUser(control.url);
    attacker = await registerUser(control.url);
  });

  after(async () => {
    console.log(`security battery (tenants): ${tried} attacks tried, ${refused} refused`);
    await gateway?.stop();
    await control?.stop();
    await redis?.stop();
  });

  it('a deleted app leaves no certificate behind for the next app that claims its domain', async () => {
    assert.equal((await victim.post('/api/v1/apps', { name: 'shop' })).status, 201);
    assert.equal((await victim.post('/api/v1/apps/shop/domains', { domain: DOMAIN })).status, 201);
    const pair = selfSigned(DOMAIN);
    assert.equal((await victim.put(`/api/v1/apps/shop/domains/${DOMAIN}/certificate`, pair)).status, 204);
    const uploaded = new X509Certificate(pair.certificate);
    let served = await servedCertificate(httpsPort, DOMAIN);
    for (let i = 0; i < 50 && served.serialNumber !== uploaded.serialNumber; i++) {
      await new Promise((r) => setTimeout(r, 100));
      served = await servedCertificate(httpsPort, DOMAIN);
    }
    assert.equal(served.serialNumber, uploaded.serialNumber, 'the uploaded certificate is served while the app has the domain');

    assert.equal((await victim.delete('/api/v1/apps/shop')).status, 204);
    assert.equal((await attacker.post('/api/v1/apps', { name: 'shop-again' })).status, 201);
    assert.equal((await attacker.post('/api/v1/apps/shop-again/domains', { domain: DOMAIN })).status, 201);
    const redisProbe = control.service.deps.redis;
    assert.ok(redisProbe);
    attack("the deleted app's certificate and key stay stored", (await readCustomCertificate(redisProbe, DOMAIN)) === null);
    // The gateway drops its copy on the change message: it falls back to the platform certificate.
    let after = await servedCertificate(httpsPort, DOMAIN);
    for (let i = 0; i < 50 && after.serialNumber === uploaded.serialNumber; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await servedCertificate(httpsPort, DOMAIN);
    }
    attack("the next app is served with the deleted app's certificate", after.serialNumber !== uploaded.serialNumber);
  });

  it("deleting a user with their apps removes the apps' certificates, keys and ACME renewal state", async () => {
    const redisProbe = control.service.deps.redis;
    assert.ok(redisProbe);
    const leaving = await registerUser(control.url);
    const uploadedDomain = 'shop.leaving.test';
    const acmeDomain = 'www.leaving.test';
    assert.equal((await leaving.post('/api/v1/apps', { name: 'leaving-shop' })).status, 201);
    for (const domain of [uploadedDomain, acmeDomain])
      assert.equal((await leaving.post('/api/v1/apps/leaving-shop/domains', { domain })).status, 201, domain);
    const uploaded = selfSigned(uploadedDomain);
    assert.equal((await leaving.put(`/api/v1/apps/leaving-shop/domains/${uploadedDomain}/certificate`, uploaded)).status, 204);
    // An ACME certificate for the other domain, kept as issuance keeps it (control/domains/acme-order.ts):
    // the pair in the certificate hash and the domain with its expiry in the renewal hash.
    const issued = selfSigned(acmeDomain);
    await setCustomCertificate(redisProbe, acmeDomain, issued.certificate, issued.privateKey);
    await rememberAcmeDomain(redisProbe, acmeDomain, Date.now() + 60 * 24 * 3600_000);
    const fingerprint = new X509Certificate(uploaded.certificate).fingerprint256;
    let served = await servedCertificate(httpsPort, uploadedDomain);
    for (let i = 0; i < 50 && served.fingerprint256 !== fingerprint; i++) {
      await new Promise((r) => setTimeout(r, 100));
      served = await servedCertificate(httpsPort, uploadedDomain);
    }
    assert.equal(served.fingerprint256, fingerprint, 'the uploaded certificate is served while the user has the app');

    const unsaid = await admin.request('DELETE', `/api/v1/users/${leaving.userId}`, {});
    assert.equal(unsaid.status, 409, 'the admin must say what becomes of the apps');
    assert.equal((await admin.request('DELETE', `/api/v1/users/${leaving.userId}`, { apps: 'delete' })).status, 204);
    assert.equal((await admin.get('/api/v1/apps/leaving-shop')).status, 404);
    attack("a deleted user's uploaded certificate and key stay stored", (await readCustomCertificate(redisProbe, uploadedDomain)) === null);
    attack("a deleted user's ACME certificate and key stay stored", (await readCustomCertificate(redisProbe, acmeDomain)) === null);
    attack(
      "a deleted user's domain stays due for ACME renewal",
      !(await acmeDomains(redisProbe)).some((d) => d.domain === acmeDomain || d.domain === uploadedDomain),
    );
    let after = await servedCertificate(httpsPort, uploadedDomain);
    for (let i = 0; i < 50 && after.fingerprint256 === fingerprint; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await servedCertificate(httpsPort, uploadedDomain);
    }
    attack("the gateway still serves a deleted user's certificate", after.fingerprint256 !== fingerprint);
  });

  it('an env value with NUL is refused where it is set, naming the key, and nothing is stored', async () => {
    await attacker.post('/api/v1/apps', { name: 'nul-env' });
    const res = await attacker.put('/api/v1/apps/nul-env/env', { vars: { OK: '1', EVIL: 'a\u0000b' } });
    attack(
      'NUL in an env value',
      res.status === 400 && res.body.error.code === 'DF_ERR_VALIDATION' && res.body.error.details?.key === 'EVIL',
    );
    assert.deepEqual((await attacker.get('/api/v1/apps/nul-env/env')).body.vars, {});
  });

  it('a clone URL refusal names the class of address, never the address', async () => {
    await attacker.post('/api/v1/apps', { name: 'prober' });
    for (const [url, cls] of [
      ['http://localhost:1/x.git', 'loopback'],
      ['http://169.254.169.254/x.git', 'link-local'],
    ] as const) {
      const res = await attacker.post('/api/v1/apps/prober/deployments', { gitUrl: url });
      const text = JSON.stringify(res.body);
      const leaked = /127\.0\.0\.1|::1/.test(text) || res.body.error?.details?.address !== undefined;
      attack(`clone URL ${url} leaks its resolved address`, res.status === 403 && !leaked && res.body.error.details?.class === cls);
    }
  });

  it('JSON labelled as text/plain (what a cross-site form can send) is refused with 415', async () => {
    const res = await attacker.request('POST', '/api/v1/apps', '{"name":"csrf-made"}', { 'content-type': 'text/plain' });
    attack('text/plain JSON body', res.status === 415 && res.body.error.code === 'DF_ERR_UNSUPPORTED_MEDIA');
    assert.equal((await attacker.get('/api/v1/apps/csrf-made')).status, 404);
  });

  it('a captured webhook delivery sent again is refused with 409', async () => {
    await attacker.post('/api/v1/apps', { name: 'hooked' });
    const { secret } = (await attacker.post('/api/v1/apps/hooked/webhook-secret')).body as { secret: string };
    // A push to another branch is acknowledged and ignored: enough to be captured and replayed.
    const raw = JSON.stringify({
      ref: 'refs/heads/elsewhere',
      after: 'a'.repeat(40),
      repository: { clone_url: 'https://example.test/r.git' },
    });
    const send = (id: string) =>
      new Client(control.url).request('POST', '/api/v1/webhooks/github/hooked', raw, {
        'x-hub-signature-256': githubSignature(secret, Buffer.from(raw)),
        'x-github-event': 'push',
        'x-github-delivery': id,
      });
    assert.equal((await send('00000000-0000-4000-8000-00000000000a')).status, 202);
    const same = await send('00000000-0000-4000-8000-00000000000a');
    attack('webhook replay with the same delivery id', same.status === 409 && same.body.error.code === 'DF_ERR_WEBHOOK_REPLAYED');
    const fresh = await send('00000000-0000-4000-8000-00000000000b');
    attack('webhook replay under a fresh delivery id', fresh.status === 409 && fresh.body.error.code === 'DF_ERR_WEBHOOK_REPLAYED');
  });

  it('adding a collaborator never tells an owner whether an e-mail has an account', async () => {
    await attacker.post('/api/v1/apps', { name: 'oracle' });
    const probe = (email: string) => attacker.post('/api/v1/apps/oracle/collaborators', { email });
    const normal = (res: Awaited<ReturnType<typeof probe>>, email: string): unknown =>
      JSON.parse(
        JSON.stringify(res.body)
          .replaceAll(email, '<email>')
          .replace(/"id":"[^"]+"/, '"id":"<id>"')
          .replace(/#token=[^"]+/, '#token=<token>')
          .replace(/"(createdAt|expiresAt)":\d+/g, '"$1":0'),
      );
    const unknownEmail = `no-account-${Date.now()}@example.test`;
    const known = await probe(victim.email);
    const unknown = await probe(unknownEmail);
    attack(
      'the collaborator answer differs for a known and an unknown address',
      known.status === unknown.status && JSON.stringify(normal(known, victim.email)) === JSON.stringify(normal(unknown, unknownEmail)),
    );
    attack('the app shows a known address added at once', (await attacker.get('/api/v1/apps/oracle')).body.collaboratorIds.length === 0);
    const listed = (await attacker.get('/api/v1/apps/oracle/invitations')).body as Record<string, unknown>[];
    attack(
      'the pending list tells the addresses apart',
      listed.length === 2 && JSON.stringify(Object.keys(listed[0]!)) === JSON.stringify(Object.keys(listed[1]!)),
    );
    // Without SMTP the owner holds both links. Signed in, a link works only for its own address;
    // signed out (registration closed) both answer the same, so using them tells nothing either.
    const token = (res: typeof known): string => decodeURIComponent(String(res.body.url).split('#token=')[1] ?? '');
    const taken = await attacker.post('/api/v1/invitations/accept', { token: token(known) });
    attack(
      'an owner joins their own app with the link meant for another account',
      taken.status === 403 && taken.body.error.code === 'DF_ERR_INVITATION_OTHER_ACCOUNT',
    );
    assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: false })).status, 200);
    try {
      const anon = new Client(control.url);
      const [a, b] = [
        await anon.post('/api/v1/invitations/accept', { token: token(known), password: 'probing the platform' }),
        await anon.post('/api/v1/invitations/accept', { token: token(unknown), password: 'probing the platform' }),
      ];
      attack(
        'accepting the two links signed out tells them apart',
        a.status === b.status && JSON.stringify(a.body) === JSON.stringify(b.body),
      );
    } finally {
      assert.equal((await admin.patch('/api/v1/settings', { registrationOpen: true })).status, 200);
    }
    assert.equal((await victim.get('/api/v1/apps/oracle')).status, 404, 'the victim was not made a collaborator without accepting');
  });

  it('a team and its apps are closed to non-members, and an e-mail added to a team tells nothing', async () => {
    const team = (await victim.post('/api/v1/teams', { name: 'victims' })).body as { id: string };
    assert.equal((await victim.post('/api/v1/apps', { name: 'team-shop' })).status, 201);
    assert.equal((await victim.post('/api/v1/apps/team-shop/transfer', { toTeamId: team.id })).status, 200);
    const t = `/api/v1/teams/${team.id}`;
    attack('read a team one is not in', (await attacker.get(t)).status === 404);
    attack('add oneself to another team', (await attacker.post(`${t}/members`, { userId: attacker.userId, role: 'admin' })).status === 404);
    attack('add oneself by e-mail', (await attacker.post(`${t}/members`, { email: attacker.email })).status === 404);
    attack('rename another team', (await attacker.patch(t, { name: 'mine' })).status === 404);
    attack('delete another team', (await attacker.delete(t)).status === 404);
    attack("remove another team's admin", (await attacker.delete(`${t}/members/${victim.userId}`)).status === 404);
    attack('list every team without being admin', (await attacker.get('/api/v1/teams?all=true')).status === 403);
    attack("read a team's app", (await attacker.get('/api/v1/apps/team-shop')).status === 404);
    attack("scale a team's app", (await attacker.post('/api/v1/apps/team-shop/scale', { replicas: 3 })).status === 404);
    attack("take a team's app", (await attacker.post('/api/v1/apps/team-shop/transfer', { toUserId: attacker.userId })).status === 404);
    await attacker.post('/api/v1/apps', { name: 'trojan' });
    attack(
      'push an app into a team one is not in',
      (await attacker.post('/api/v1/apps/trojan/transfer', { toTeamId: team.id })).status === 404,
    );
    const access = gitAccess(control.service.deps);
    attack("git push to a team's app", !(await access.mayAccess(attacker.userId, 'team-shop', 'write')));
    const socket = await connectSocket(control.url, attacker.token!);
    try {
      const ack = await socket.request('subscribe', { app: 'team-shop', stream: 'logs' });
      attack("watch a team's app over Socket.IO", ack.ok === false && ack.error.code === 'DF_ERR_APP_NOT_FOUND');
    } finally {
      socket.close();
    }
    // The attacker's own team: adding a known and an unknown address answers alike.
    const own = (await attacker.post('/api/v1/teams', { name: 'probe' })).body as { id: string };
    const unknownEmail = `no-account-team-${Date.now()}@example.test`;
    const known = await attacker.post(`/api/v1/teams/${own.id}/members`, { email: victim.email, role: 'viewer' });
    const unknown = await attacker.post(`/api/v1/teams/${own.id}/members`, { email: unknownEmail, role: 'viewer' });
    attack(
      'adding a team member by e-mail tells known from unknown addresses',
      known.status === unknown.status &&
        JSON.stringify(known.body).replace(victim.email, '<e>') === JSON.stringify(unknown.body).replace(unknownEmail, '<e>'),
    );
  });
});
