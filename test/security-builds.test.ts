// The hostile battery for builds: each test is an attack a developer could push as a Dockerfile,
// run through the real builder on the real Docker Engine with the platform's isolation on, and
// each must be refused (before anything runs) or stopped by a limit — while another app keeps
// answering on its 127.0.0.1 port. The count of attacks tried and refused is printed at the end.
// Traffic goes to loopback only: the "control port" is a server on 127.0.0.1 in this process.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { purgeApp } from '../builder/index.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import {
  batteryBuilder,
  BuildBattery,
  buildBridgeAddress,
  connectStep,
  firewallRules,
  probeOutcomes,
  startControlStandIn,
  startVictim,
  statusesWhile,
  statusOf,
  type ControlStandIn,
} from './support/hostile-builds.js';

const docker = new Docker();
const run = Math.random().toString(36).slice(2, 8);
const network = `df-sec-${run}`;
const apps = { victim: `sec-victim-${run}`, attacker: `sec-attacker-${run}`, other: `sec-other-${run}` };
// Small limits so a hog or a fork bomb is stopped within seconds; a normal tiny build fits easily.
const LIMITS = {
  memoryMb: Number(process.env.DF_TEST_BUILD_MEMORY_MB ?? 160),
  cpus: 1,
  pids: Number(process.env.DF_TEST_BUILD_PIDS ?? 96),
};

describe('hostile builds', { timeout: 600_000 }, () => {
  let base: string;
  let battery: BuildBattery;
  let victimImage: string;
  let victimPort: number;
  let control: ControlStandIn;

  before(async () => {
    base = await ensureNodeBaseImage(docker);
    control = await startControlStandIn();
    battery = new BuildBattery({
      builder: batteryBuilder(docker, base, { limits: LIMITS }),
      dirPrefix: 'df-sec-',
      attacker: apps.attacker,
      leaks: { markers: [`victim-source-${run}`, 'control-secret'], hits: control.hits },
    });
    // The victim: another developer's app, built (its source holds a secret) and running.
    const victim = await startVictim(docker, battery, { app: apps.victim, base, network, label: run, secret: `victim-source-${run}` });
    victimImage = victim.image;
    victimPort = victim.port;
    assert.equal(await statusOf(victimPort), 200);
  });

  after(async () => {
    await battery.close('security battery (builds)');
    control.close();
    for (const app of Object.values(apps)) await purgeApp(docker, app, { removeVolumes: true }).catch(() => undefined);
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
  });

  it('refuses ADD of the control URL on 127.0.0.1, of a redirecting URL and of a file:// URL', async () => {
    await battery.attack(
      'ADD control URL',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${base}`, `ADD http://127.0.0.1:${control.port}/api/v1/openapi.json /x`, 'RUN cat /x'],
      /ADD http/,
    );
    await battery.attack(
      'ADD redirect',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${base}`, `ADD ["http://localhost:${control.port}/redirect", "/x"]`, 'RUN cat /x'],
      /ADD http/,
    );
    await battery.attack('ADD file://', 'DF_ERR_BUILD_REFUSED', [`FROM ${base}`, 'ADD file:///etc/shadow /x', 'RUN cat /x'], /ADD file/);
  });

  it("refuses another app's image: FROM by tag, FROM by digest, COPY --from", async () => {
    const victimId = (await docker.getImage(victimImage).inspect()).Id;
    await battery.attack(
      'FROM other tag',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${victimImage}`, 'RUN cat /srv/secret.txt'],
      /another app's image/,
    );
    // An allowed name with another app's image id as digest: the engine resolves the id locally.
    const baseRepo = base.split(':')[0]!;
    await battery.attack('FROM digest', 'DF_ERR_BUILD_REFUSED', [`FROM ${baseRepo}@${victimId}`, 'RUN cat /srv/secret.txt'], /may not use/);
    await battery.attack(
      'COPY --from other',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${base}`, `COPY --from=${victimImage} /srv/secret.txt /x`, 'RUN cat /x'],
      /another app's image/,
    );
    // The app's own earlier image stays usable.
    const own = await battery.build(apps.victim, 'v2', [`FROM ${victimImage}`, 'RUN test -f /srv/secret.txt']);
    assert.equal(own.image, `deployflow/${apps.victim}:v2`);
  });

  it("keeps cache mounts per app: a spoofed id= does not reach another app's cache", async () => {
    const mount = 'RUN --mount=type=cache,target=/cache,id=shared-npm';
    await battery.build(apps.victim, 'c1', [`FROM ${base}`, `${mount} echo victim-cache-${run} > /cache/secret`]);
    battery.tried += 1;
    const log: string[] = [];
    await battery.build(apps.attacker, 'c2', [`FROM ${base}`, `${mount} cat /cache/secret || echo cache-empty-${run}`], { log });
    assert.ok(!log.some((l) => l.includes(`victim-cache-${run}`)), `the attacker read the victim's cache:\n${log.join('\n')}`);
    assert.ok(
      log.some((l) => l.includes(`cache-empty-${run}`)),
      log.join('\n'),
    );
    battery.refused += 1;
  });

  it('stops a memory hog and a fork bomb at the build limits while another app keeps answering', async () => {
    const statuses = await statusesWhile(victimPort, async () => {
      await battery.attack(
        'memory hog',
        'DF_ERR_BUILD_LIMIT',
        [`FROM ${base}`, 'RUN node -e "const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))"'],
        new RegExp(`memory limit of ${LIMITS.memoryMb} MB`),
      );
      await battery.attack(
        'fork bomb',
        'DF_ERR_BUILD_LIMIT',
        [`FROM ${base}`, 'RUN f(){ f | f; }; f'],
        new RegExp(`more than ${LIMITS.pids} processes`),
      );
    });
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `the other app answered ${statuses.join(',')}`);
  });

  it('builds a normal Dockerfile within the limits, and the build network rules are in place', async () => {
    const log: string[] = [];
    const ok = await battery.build(
      apps.other,
      'n1',
      [`FROM ${base}`, 'RUN --mount=type=cache,target=/root/.npm echo fine', 'CMD ["node"]'],
      { log },
    );
    assert.equal(ok.image, `deployflow/${apps.other}:n1`);
    assert.ok(
      log.some((l) => l.includes(`Build limits: ${LIMITS.memoryMb} MB memory`)),
      log.join('\n'),
    );
    // From the build bridge nothing reaches the host but DNS, and private ranges are rejected.
    const host = await firewallRules(4, 'DEPLOYFLOW-BUILD-HOST');
    assert.match(host, /-A DEPLOYFLOW-BUILD-HOST -j REJECT/);
    const net = await firewallRules(4, 'DEPLOYFLOW-BUILD-NET');
    for (const cidr of ['127.0.0.0/8', '169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'])
      assert.ok(net.includes(`-d ${cidr} -j REJECT`), cidr);
  });

  it("reaches neither cloud metadata, another app's container nor the host's gateway address from a RUN step", async () => {
    // The victim's address on its own bridge network (172.x), and proof that it answers there.
    const [listed] = await docker.listContainers({ filters: { network: [network] } });
    assert.ok(listed, `the victim runs on ${network}`);
    const victimIp = (await docker.getContainer(listed.Id).inspect()).NetworkSettings.Networks[network]?.IPAddress;
    assert.ok(victimIp && net.isIPv4(victimIp), `the victim has an IPv4 address on ${network}`);
    const answered = await new Promise<number>((resolve) => {
      http
        .get({ host: victimIp, port: 8080, path: '/', agent: false, timeout: 5000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .once('error', () => resolve(0));
    });
    assert.equal(answered, 200, `the victim answers the host on ${victimIp}:8080, so a refusal below is the rules'`);
    // A server on the host's address on the build bridge (what 0.0.0.0-bound services answer on).
    const { bridge, v4: gateway } = await buildBridgeAddress(docker);
    assert.ok(gateway, `the build bridge ${bridge} has an IPv4 address`);
    const arrived: string[] = [];
    const server = net.createServer((sock) => {
      arrived.push(String(sock.remoteAddress));
      sock.end('host-secret\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, gateway, resolve);
    });
    try {
      const targets = [
        { name: 'metadata', host: '169.254.169.254', port: 80 },
        { name: 'other-app', host: victimIp, port: 8080 },
        { name: 'host-gateway', host: gateway, port: (server.address() as AddressInfo).port },
      ];
      battery.tried += 1;
      const log: string[] = [];
      await battery.build(apps.attacker, 'p1', [`FROM ${base}`, connectStep(targets)], { log });
      const outcomes = probeOutcomes(log);
      // Each is refused by the build network's REJECT rules (ECONNREFUSED, at once); without them
      // the metadata address times out or answers, the host's address connects, and the other app
      // is dropped by the engine's own isolation (a timeout) or reached.
      assert.deepEqual(
        outcomes,
        { metadata: 'ECONNREFUSED', 'other-app': 'ECONNREFUSED', 'host-gateway': 'ECONNREFUSED' },
        log.filter((l) => l.includes(' probe ')).join('\n'),
      );
      assert.deepEqual(arrived, [], "nothing reached the host's address on the build bridge");
      battery.refused += 1;
    } finally {
      server.close();
    }
  });

  it('keeps the public internet (package registries) open to RUN steps', async (t) => {
    // Only where this host itself reaches the npm registry: a run without internet access checks the
    // rule set instead (builder/build/egress.test.ts: public destinations are not rejected).
    const url = 'https://registry.npmjs.org/-/ping';
    const reachable = await new Promise<boolean>((resolve) => {
      https
        .get(url, { timeout: 5000 }, (res) => {
          res.resume();
          resolve((res.statusCode ?? 0) === 200);
        })
        .once('timeout', function (this: http.ClientRequest) {
          this.destroy();
        })
        .once('error', () => resolve(false));
    });
    if (!reachable) {
      t.skip(`${url} is not reachable from this host`);
      return;
    }
    const script = `require('https').get('${url}', (r) => { console.log('registry:' + r.statusCode); r.resume(); }).on('error', (e) => console.log('registry:' + e.code)); void '${run}'`;
    // The step trusts what this process trusts (a TLS-inspecting proxy's CA, where there is one).
    const extraCa = process.env.NODE_EXTRA_CA_CERTS ? await fs.readFile(process.env.NODE_EXTRA_CA_CERTS, 'utf8').catch(() => null) : null;
    const log: string[] = [];
    await battery.build(
      apps.other,
      'r1',
      [
        `FROM ${base}`,
        ...(extraCa ? ['COPY ca.pem /ca.pem', 'ENV NODE_EXTRA_CA_CERTS=/ca.pem'] : []),
        `RUN ${JSON.stringify(['node', '-e', script])}`,
        'CMD ["node"]',
      ],
      { log, ...(extraCa ? { files: { 'ca.pem': extraCa } } : {}) },
    );
    assert.ok(
      log.some((l) => / registry:200$/.test(l)),
      log.join('\n'),
    );
  });
});
