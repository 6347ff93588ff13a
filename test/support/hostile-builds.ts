// What the hostile build batteries (test/security-builds*.test.ts) share: a builder with the
// platform's isolation on at small limits, Dockerfiles written to temp dirs and built, an attack
// that must be refused without leaking, a victim app of another developer answering on its
// 127.0.0.1 port, and a stand-in for control's API on 127.0.0.1 that counts what reaches it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import {
  createBuilder,
  release,
  type Builder,
  type BuilderOptions,
  type BuildImageSettings,
  type BuildLimits,
  type BuildRequest,
  type BuildResult,
  type ReleaseSpec,
} from '../../builder/index.js';
import { loadConfig } from '../../common/config/config.js';
import { isDeployFlowError } from '../../common/errors/catalogue.js';

export interface BatteryBuilderOptions {
  limits: BuildLimits;
  /** Most a build's RUN steps may write, in MB; unset: not watched. */
  diskMb?: number;
  /** Largest build context and resulting image, in MB (default 64 and 1024). */
  contextMb?: number;
  imageMb?: number;
  imageSettings?: () => Promise<BuildImageSettings>;
  appCache?: BuilderOptions['appCache'];
}

/** A builder as the platform runs it for untrusted code: isolation on, private networks refused. */
export function batteryBuilder(docker: Docker, base: string, o: BatteryBuilderOptions): Builder {
  return createBuilder({
    docker,
    images: loadConfig({ DEPLOYFLOW_IMAGE_NODE: base }).images,
    maxConcurrentBuilds: 1,
    buildTimeoutMs: 120_000,
    ...(o.imageSettings ? { imageSettings: o.imageSettings } : {}),
    isolation: {
      limits: async () => o.limits,
      allowPrivate: async () => false,
      contextMb: o.contextMb ?? 64,
      imageMb: o.imageMb ?? 1024,
      ...(o.diskMb !== undefined ? { diskMb: o.diskMb } : {}),
    },
    ...(o.appCache ? { appCache: o.appCache } : {}),
  });
}

/** What an attack must not leak: secret markers in its build log, and requests to the control stand-in. */
export interface Leaks {
  markers: string[];
  hits: string[];
}

export interface BuildBatteryOptions {
  builder: Builder;
  /** The temp dirs' name prefix, e.g. `df-sec2-`. */
  dirPrefix: string;
  /** The app an attack is built as. */
  attacker?: string;
  leaks?: Leaks;
}

export class BuildBattery {
  /** Attacks tried and refused, printed by `close`. */
  tried = 0;
  refused = 0;
  private readonly dirs: string[] = [];

  constructor(private readonly o: BuildBatteryOptions) {}

  /** Builds `lines` as the Dockerfile (with `files` beside it) of `app`; the build's log lines go to `log`. */
  async build(
    app: string,
    id: string,
    lines: string[],
    opts: { files?: Record<string, string>; log?: string[]; by?: Builder } = {},
  ): Promise<BuildResult> {
    const log = opts.log ?? [];
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), this.o.dirPrefix));
    this.dirs.push(dir);
    await fs.writeFile(path.join(dir, 'Dockerfile'), lines.join('\n') + '\n');
    for (const [name, text] of Object.entries(opts.files ?? {})) await fs.writeFile(path.join(dir, name), text);
    const req: BuildRequest = { app, deploymentId: id, source: { kind: 'dir', dir }, log: (l) => log.push(l) };
    return (opts.by ?? this.o.builder).build(req);
  }

  /** One attack: the build must fail with `code`, say so in its log, and leak nothing. */
  async attack(
    name: string,
    code: string,
    lines: string[],
    pattern: RegExp,
    opts: { files?: Record<string, string>; by?: Builder } = {},
  ): Promise<string[]> {
    const { attacker, leaks = { markers: [], hits: [] } } = this.o;
    assert.ok(attacker, 'the battery names its attacker app');
    this.tried += 1;
    const log: string[] = [];
    leaks.hits.length = 0;
    await assert.rejects(
      this.build(attacker, `a${this.tried}`, lines, { ...opts, log }),
      (err: unknown) => {
        assert.ok(isDeployFlowError(err), `${name}: expected a refusal, got ${String(err)}\n${log.join('\n')}`);
        assert.equal(err.code, code, `${name}: ${err.message}\n${log.join('\n')}`);
        assert.match(err.message, pattern, name);
        return true;
      },
      `${name} must fail`,
    );
    assert.ok(
      log.some((l) => l.includes(`${code}: `)),
      `${name}: the build log names ${code}\n${log.join('\n')}`,
    );
    assert.ok(!log.some((l) => leaks.markers.some((m) => l.includes(m))), `${name}: nothing leaked into the log`);
    assert.deepEqual(leaks.hits, [], `${name}: nothing reached the control port`);
    this.refused += 1;
    return log;
  }

  /** Prints the count as `title`, leaves the engine's build cgroup unlimited again, removes the temp dirs. */
  async close(title: string): Promise<void> {
    console.log(`${title}: ${this.tried} attacks tried, ${this.refused} refused`);
    await unlimitBuildCgroup();
    for (const dir of this.dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The engine's build cgroup is shared with every build on this host: a battery leaves it
 * unlimited again instead of at its tiny limits (the platform writes its own before each build).
 */
export async function unlimitBuildCgroup(): Promise<void> {
  for (const [file, value] of [
    ['memory/docker/buildkit/memory.memsw.limit_in_bytes', '-1'],
    ['memory/docker/buildkit/memory.limit_in_bytes', '-1'],
    ['pids/docker/buildkit/pids.max', 'max'],
    ['cpu/docker/buildkit/cpu.cfs_quota_us', '-1'],
    ['docker/buildkit/memory.max', 'max'],
    ['docker/buildkit/pids.max', 'max'],
    ['docker/buildkit/cpu.max', 'max'],
  ] as const) {
    await fs.writeFile(path.join('/sys/fs/cgroup', file), value).catch(() => undefined);
  }
}

/**
 * A RUN step (JSON form, no shell quoting) that connects to each target and prints
 * `probe <name>:<outcome>` (`connected`, `timeout`, or the error code such as ECONNREFUSED).
 */
export function connectStep(targets: Array<{ name: string; host: string; port: number }>): string {
  const script = [
    "const net = require('net');",
    'const one = (t) => new Promise((done) => {',
    '  const s = net.connect({ host: t.host, port: t.port });',
    "  const end = (what) => { console.log('probe ' + t.name + ':' + what); s.destroy(); done(); };",
    "  s.setTimeout(4000, () => end('timeout'));",
    "  s.once('connect', () => end('connected'));",
    "  s.once('error', (e) => end(e.code || e.message));",
    '});',
    `(async () => { for (const t of ${JSON.stringify(targets)}) await one(t); })();`,
  ].join('\n');
  return `RUN ${JSON.stringify(['node', '-e', script])}`;
}

/** The outcome each probe of `connectStep` printed in a build log, by name. */
export function probeOutcomes(log: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of log) {
    const m = / probe ([\w-]+):(\S+)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** The status of GET / on a 127.0.0.1 port, 0 when nothing answered. */
export function statusOf(port: number): Promise<number> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .once('error', () => resolve(0));
  });
}

/** The statuses of GET / on `port`, asked every 200 ms while `work` runs. */
export async function statusesWhile(port: number, work: () => Promise<void>): Promise<number[]> {
  const statuses: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      statuses.push(await statusOf(port));
      await delay(200);
    }
  })();
  try {
    await work();
  } finally {
    polling = false;
    await poller;
  }
  return statuses;
}

export interface Victim {
  image: string;
  port: number;
}

/**
 * Another developer's app: built through the battery (its source holds `secret`), released on a
 * network of its own and answering on its 127.0.0.1 port.
 */
export async function startVictim(
  docker: Docker,
  battery: BuildBattery,
  o: { app: string; base: string; network: string; label: string; secret: string },
): Promise<Victim> {
  const victim = await battery.build(o.app, 'v1', [
    `FROM ${o.base}`,
    'WORKDIR /srv',
    `RUN echo ${o.secret} > /srv/secret.txt`,
    `RUN printf '%s' "require('http').createServer((q,s)=>s.end('ok')).listen(8080)" > server.js`,
    'EXPOSE 8080',
    'CMD ["node", "server.js"]',
  ]);
  await docker.createNetwork({ Name: o.network, Driver: 'bridge', Labels: { 'deployflow.test': o.label } });
  const spec: ReleaseSpec = {
    app: o.app,
    deploymentId: 'v1',
    image: victim.image,
    replicas: 1,
    env: {},
    limits: { memoryMb: 128, cpus: 0.5 },
    port: 8080,
  };
  const released = await release(
    {
      docker,
      log: () => undefined,
      publish: async () => undefined,
      network: o.network,
      healthTimeoutMs: 30_000,
      drainMs: 0,
      stopGraceSeconds: 1,
    },
    spec,
  );
  return { image: victim.image, port: released.upstreams[0]!.port };
}

export interface ControlStandIn {
  port: number;
  /** The paths of the requests that reached it: any is a leak. */
  hits: string[];
  close(): void;
}

/** Stands for control's API on 127.0.0.1; `/redirect` points at its own secret path. */
export async function startControlStandIn(): Promise<ControlStandIn> {
  const hits: string[] = [];
  let port = 0;
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/api/v1/secret` }).end();
      return;
    }
    res.end('control-secret\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return { port, hits, close: () => server.close() };
}

/**
 * The host's IPv4 address on the build bridge (docker0), as the interface has it: Docker lists it
 * as the network's IPAM gateway only sometimes (a freshly started engine gives the default bridge
 * a subnet alone).
 */
export async function buildBridgeAddress(docker: Docker): Promise<{ bridge: string; v4: string | undefined }> {
  type Inspect = { Options?: Record<string, string>; IPAM?: { Config?: Array<{ Gateway?: string }> } };
  const inspect = (await docker.getNetwork('bridge').inspect()) as Inspect;
  const bridge = inspect.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const listed = inspect.IPAM?.Config?.find((c) => c.Gateway && /^\d+\.\d+\.\d+\.\d+$/.test(c.Gateway))?.Gateway;
  const v4 =
    listed ??
    (await new Promise<string | undefined>((resolve) => {
      const child = spawn('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.once('close', () => resolve(/\binet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1]));
      child.once('error', () => resolve(undefined));
    }));
  return { bridge, v4 };
}

/** The rules of an iptables (`4`) or ip6tables (`6`) chain as `-S` prints them; '' when there is none. */
export function firewallRules(family: 4 | 6, chain: string): Promise<string> {
  return new Promise((resolve) => {
    const args = ['-w', '5', '-S', chain];
    const opts = { stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
    const child = family === 6 ? spawn('ip6tables', args, opts) : spawn('iptables', args, opts);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('close', () => resolve(out));
    child.once('error', () => resolve(''));
  });
}
