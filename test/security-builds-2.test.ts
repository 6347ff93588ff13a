// The hostile battery for builds, second part (the first is security-builds.test.ts): attacks
// through what an allowed base image carries, the build network's IPv6 side, the disk a RUN step
// writes, and the layer cache one app's builds fill. Each runs through the real builder on the
// real Docker Engine with the platform's isolation on and must be refused or stopped, while
// another app keeps answering on its 127.0.0.1 port. The count is printed at the end.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import tarFs from 'tar-fs';
import { purgeApp } from '../builder/index.js';
import { buildImageSettings } from '../control/builds/settings.js';
import { ensureNodeBaseImage } from './support/base-image.js';
import { registerUser, startTestControl, type TestControl } from './support/control.js';
import {
  batteryBuilder,
  BuildBattery,
  buildBridgeAddress,
  connectStep,
  firewallRules,
  startControlStandIn,
  startVictim,
  statusesWhile,
  statusOf,
  type ControlStandIn,
} from './support/hostile-builds.js';

const docker = new Docker();
const run = Math.random().toString(36).slice(2, 8);
const network = `df-sec2-${run}`;
const apps = { victim: `sec2-victim-${run}`, attacker: `sec2-attacker-${run}`, other: `sec2-other-${run}` };
const LIMITS = { memoryMb: 256, cpus: 1, pids: 128 };
// What a build may write: small, so the attack below is stopped after a few hundred MB at most.
const DISK_MB = 64;

/** The interface's IPv6 link-local address from /proc/net/if_inet6 (listed even while the bridge has no carrier). */
async function linkLocal(ifname: string): Promise<string | undefined> {
  const table = await fs.readFile('/proc/net/if_inet6', 'utf8').catch(() => '');
  const hex = table
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[5] === ifname && f[0]?.startsWith('fe80'))?.[0];
  return hex
    ? hex
        .match(/.{4}/g)!
        .join(':')
        .replace(/\b0+(?=[0-9a-f])/g, '')
    : undefined;
}

/** Builds `lines` as an image straight through the engine (the test's own images, e.g. a base with ONBUILD). */
async function engineBuild(tag: string, lines: string[]): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'df-sec2-base-'));
  try {
    await fs.writeFile(path.join(dir, 'Dockerfile'), lines.join('\n') + '\n');
    const context = tarFs.pack(dir) as unknown as NodeJS.ReadableStream;
    const stream: NodeJS.ReadableStream = await docker.buildImage(context, { t: tag, version: '2' } as Docker.ImageBuildOptions);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
    await docker.getImage(tag).inspect();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('hostile builds, part 2', { timeout: 600_000 }, () => {
  let base: string;
  let battery: BuildBattery;
  let victimImage: string;
  let victimPort: number;
  const ownImages: string[] = [];
  let control: ControlStandIn;
  // A real control whose admin sets the build image settings through the API; the builder reads
  // them from its store as the platform's builder does (control/server/build-deps.ts).
  let platform: TestControl;
  let admin: Awaited<ReturnType<typeof registerUser>>;
  const setImages = async (allowedImages: string[], allowHostImages: boolean): Promise<void> => {
    const res = await admin.put('/api/v1/settings/builds', { allowedImages, allowHostImages });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  before(async () => {
    base = await ensureNodeBaseImage(docker);
    platform = await startTestControl();
    admin = await registerUser(platform.url); // the first account is the admin
    const imageSettings = () => buildImageSettings(platform.service.deps.store.settings);
    const builder = batteryBuilder(docker, base, { limits: LIMITS, diskMb: DISK_MB, imageSettings });
    // Stands for control's API on 127.0.0.1: any request reaching it is a leak.
    control = await startControlStandIn();
    battery = new BuildBattery({
      builder,
      dirPrefix: 'df-sec2-',
      attacker: apps.attacker,
      leaks: { markers: [`victim-source-${run}`, 'control-secret'], hits: control.hits },
    });
    const victim = await startVictim(docker, battery, { app: apps.victim, base, network, label: run, secret: `victim-source-${run}` });
    victimImage = victim.image;
    victimPort = victim.port;
    assert.equal(await statusOf(victimPort), 200);
  });

  after(async () => {
    await battery.close('security battery (builds, part 2)');
    control.close();
    await platform?.stop();
    for (const app of Object.values(apps)) await purgeApp(docker, app, { removeVolumes: true }).catch(() => undefined);
    for (const image of ownImages)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
  });

  it("checks an allowed base image's ONBUILD triggers like the file's own lines", async () => {
    const fetching = `df-sec2-onbuild-add-${run}:1`;
    const copying = `df-sec2-onbuild-copy-${run}:1`;
    const harmless = `df-sec2-onbuild-ok-${run}:1`;
    const url = `http://127.0.0.1:${control.port}/api/v1/openapi.json`;
    await engineBuild(fetching, [`FROM ${base}`, `ONBUILD ADD ${url} /x`, 'ONBUILD RUN cat /x']);
    await engineBuild(copying, [`FROM ${base}`, `ONBUILD COPY --from=${victimImage} /srv/secret.txt /x`, 'ONBUILD RUN cat /x']);
    await engineBuild(harmless, [`FROM ${base}`, `ONBUILD RUN echo trigger-ran-${run} > /trigger`]);
    ownImages.push(fetching, copying, harmless);
    // An admin allows all three as bases: their triggers are still the tenant's build.
    await setImages([fetching, copying, harmless], false);
    await battery.attack(
      'ONBUILD ADD url',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${fetching}`, 'CMD ["node"]'],
      /ONBUILD trigger builds may not run: ADD http/,
    );
    await battery.attack(
      'ONBUILD COPY --from other app',
      'DF_ERR_BUILD_REFUSED',
      [`FROM ${copying}`, 'CMD ["node"]'],
      /another app's image/,
    );
    const ok = await battery.build(apps.other, 'ob1', [`FROM ${harmless}`, 'CMD ["cat", "/trigger"]']);
    const container = await docker.createContainer({ Image: ok.image, HostConfig: { NetworkMode: 'none' } });
    try {
      await container.start();
      await container.wait();
      const out = (await container.logs({ stdout: true, follow: false })).toString();
      assert.match(out, new RegExp(`trigger-ran-${run}`), 'a harmless trigger still runs');
    } finally {
      await container.remove({ force: true });
    }
  });

  it("reaches neither the host's IPv6 link-local address nor the host through an IPv4-mapped address", async () => {
    // Servers on the host's own addresses on the build bridge: a connection arriving is a leak.
    const { bridge, v4 } = await buildBridgeAddress(docker);
    const v6 = await linkLocal(bridge);
    assert.ok(v4, `the build bridge ${bridge} has an IPv4 address`);
    const arrived: string[] = [];
    const servers: net.Server[] = [];
    const listen = async (host: string): Promise<number> => {
      const server = net.createServer((sock) => {
        arrived.push(host);
        sock.end('host-secret\n');
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, resolve);
      });
      return (server.address() as AddressInfo).port;
    };
    try {
      const targets = [{ name: 'mapped', host: `::ffff:${v4}`, port: await listen(v4) }];
      if (v6) targets.push({ name: 'link-local', host: `${v6}%eth0`, port: await listen(`${v6}%${bridge}`) });
      battery.tried += 1;
      const log: string[] = [];
      await battery.build(apps.attacker, `v6-${run}`, [`FROM ${base}`, connectStep(targets)], { log });
      const probes = log.filter((l) => / probe /.test(l));
      assert.equal(probes.length, targets.length, log.join('\n'));
      assert.ok(!probes.some((l) => l.endsWith(':connected')), probes.join('\n'));
      assert.deepEqual(arrived, [], 'nothing reached the host');
      battery.refused += 1;
    } finally {
      for (const server of servers) server.close();
    }
    // The second layer, for an engine that gives the bridge IPv6 one day: the ip6tables chains.
    const host = await firewallRules(6, 'DEPLOYFLOW-BUILD-HOST');
    assert.match(host, /-A DEPLOYFLOW-BUILD-HOST -j REJECT/);
    const forward = await firewallRules(6, 'DEPLOYFLOW-BUILD-NET');
    for (const cidr of ['::/96', '::ffff:0.0.0.0/96', 'fe80::/10', 'fc00::/7']) {
      assert.ok(forward.includes(`-d ${cidr} -j REJECT`), `${cidr} in\n${forward}`);
    }
  });

  it('stops a RUN step that writes past the disk limit while another app keeps answering', async () => {
    const statuses = await statusesWhile(victimPort, async () => {
      // 4 GB asked for; the watcher cancels it far earlier, and BuildKit drops the step's layer.
      const log = await battery.attack(
        'disk filler',
        'DF_ERR_BUILD_LIMIT',
        [`FROM ${base}`, 'RUN dd if=/dev/zero of=/big bs=1M count=4096'],
        new RegExp(`disk limit of ${DISK_MB} MB`),
      );
      assert.ok(
        log.some((l) => l.includes(`A build step wrote more than the build's disk limit of ${DISK_MB} MB`)),
        log.join('\n'),
      );
      assert.ok(
        log.some((l) => l.includes(`${DISK_MB} MB written`)),
        'the limits line names the disk budget',
      );
    });
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `the other app answered ${statuses.join(',')}`);
    // Writing less than the budget builds.
    const ok = await battery.build(apps.other, 'd1', [`FROM ${base}`, 'RUN dd if=/dev/zero of=/small bs=1M count=8', 'CMD ["node"]']);
    assert.equal(ok.image, `deployflow/${apps.other}:d1`);
  });

  it('stops a build whose context or whose image is larger than its limit, saying so in the log', async () => {
    // A builder of its own with small limits: a 1 MB context, and an image 16 MB larger than the base.
    const baseMb = (await docker.getImage(base).inspect()).Size / 1024 / 1024;
    const imageMb = Math.ceil(baseMb) + 16;
    const limited = batteryBuilder(docker, base, { limits: LIMITS, contextMb: 1, imageMb });
    const contextLog = await battery.attack(
      'context over the limit',
      'DF_ERR_BUILD_LIMIT',
      [`FROM ${base}`, 'COPY big.bin /big.bin'],
      /The build context is larger than 1 MB/,
      { files: { 'big.bin': 'x'.repeat(3 * 1024 * 1024) }, by: limited },
    );
    assert.ok(
      contextLog.some((l) => l.includes('DF_ERR_BUILD_LIMIT: The build context is larger than 1 MB; the build was stopped')),
      contextLog.join('\n'),
    );
    const imageLog = await battery.attack(
      'image over the limit',
      'DF_ERR_BUILD_LIMIT',
      [`FROM ${base}`, 'RUN dd if=/dev/zero of=/big bs=1M count=48'],
      new RegExp(`more than the ${imageMb} MB a build may produce`),
      { by: limited },
    );
    assert.ok(
      imageLog.some((l) => new RegExp(`DF_ERR_BUILD_LIMIT: The image is [0-9]+ MB, more than the ${imageMb} MB`).test(l)),
      imageLog.join('\n'),
    );
    // The image over the limit is not kept for a deploy to use.
    await assert.rejects(docker.getImage(`deployflow/${apps.attacker}:a${battery.tried}`).inspect(), 'the oversized image was removed');
    // Within both limits the same builder builds.
    const ok = await battery.build(
      apps.other,
      'lim1',
      [`FROM ${base}`, 'COPY small.txt /small.txt', 'RUN dd if=/dev/zero of=/small bs=1M count=4', 'CMD ["node"]'],
      { files: { 'small.txt': 'x'.repeat(100_000) }, by: limited },
    );
    assert.equal(ok.image, `deployflow/${apps.other}:lim1`);
  });

  it('builds only from allowed base images: alpine is refused, an image an admin lists is accepted, and any host image once allowed', async () => {
    // Local images only (tags of the test's base): nothing is pulled.
    const listedRepo = `df-sec2-listed-${run}`;
    const hostRepo = `df-sec2-host-${run}`;
    await docker.getImage(base).tag({ repo: listedRepo, tag: '1' });
    await docker.getImage(base).tag({ repo: hostRepo, tag: '1' });
    ownImages.push(`${listedRepo}:1`, `${hostRepo}:1`);
    const notAllowed = /not an allowed base image/;
    try {
      await setImages([], false);
      await battery.attack('FROM alpine', 'DF_ERR_BUILD_REFUSED', ['FROM alpine', 'RUN echo from-alpine'], notAllowed);
      await battery.attack('FROM an unlisted local image', 'DF_ERR_BUILD_REFUSED', [`FROM ${listedRepo}:1`, 'RUN echo x'], notAllowed);

      // An admin lists the repository: every tag of it is accepted; the host image still is not.
      await setImages([listedRepo], false);
      const listed = await battery.build(apps.other, 'al1', [`FROM ${listedRepo}:1`, 'RUN echo listed-base', 'CMD ["node"]']);
      assert.equal(listed.image, `deployflow/${apps.other}:al1`);
      await battery.attack('FROM a host image', 'DF_ERR_BUILD_REFUSED', [`FROM ${hostRepo}:1`, 'RUN echo x'], notAllowed);

      // allowHostImages: an image already on the host is accepted; one that is not (it would be pulled)
      // and another app's image are still refused.
      await setImages([listedRepo], true);
      const host = await battery.build(apps.other, 'al2', [`FROM ${hostRepo}:1`, 'RUN echo host-base', 'CMD ["node"]']);
      assert.equal(host.image, `deployflow/${apps.other}:al2`);
      await battery.attack(
        'FROM an image not on the host, host images allowed',
        'DF_ERR_BUILD_REFUSED',
        [`FROM alpine:df-absent-${run}`, 'RUN echo x'],
        notAllowed,
      );
      await battery.attack(
        "FROM another app's image, host images allowed",
        'DF_ERR_BUILD_REFUSED',
        [`FROM ${victimImage}`, 'RUN cat /srv/secret.txt'],
        /another app's image/,
      );
    } finally {
      await setImages([], false);
    }
  });
});
