// Private Docker Engines for one test file, beside the machine's shared one (which other tests
// use and which must never become a Swarm). Each engine runs in a network namespace of the
// test's own, so its Swarm ports (2377, 7946, 4789), docker_gwbridge and published ports collide
// with nothing on the host or in another test; its own containerd (own socket, root and state:
// no containerd namespace is shared) and dockerd (own data root, exec root, pid file, unix socket,
// empty daemon.json; no default bridge, no iptables rules). The namespaces hang off a LAN of the
// test's own: a bridge in one more namespace, reached from the host through a veth pair, with
// addresses 10.213.N.0/24 (N picked free): the host is .1, the engines .2, .3, … — so a test on
// the host reaches every engine's published ports, and engines reach each other (Swarm's overlay)
// without the host forwarding anything (the host's iptables are never touched).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Docker from 'dockerode';
import { requireProgram } from './programs.js';

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${err.trim()}`)),
    );
  });
}

const ip = (...args: string[]): Promise<string> => run(requireProgram('ip'), args);

/**
 * Runs every cleanup step in order whatever the ones before did (a test's after(): one failing
 * stop must not leave the engines, namespaces or the LAN behind); throws the first error at the end.
 */
export async function teardown(steps: Array<() => unknown>): Promise<void> {
  let first: unknown = null;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first) throw first;
}

export interface TestLan {
  /** `10.213.N`: the host is `.1`. */
  prefix: string;
  hostAddr: string;
  /** Connects namespace `ns` to the LAN; its address. */
  attach(ns: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startLan(): Promise<TestLan> {
  const id = randomBytes(3).toString('hex');
  const used = await ip('-4', '-o', 'addr');
  const free = Array.from({ length: 250 }, (_, i) => i + 2).filter((n) => !used.includes(`10.213.${n}.`));
  const n = free[Math.floor(Math.random() * free.length)];
  if (n === undefined) throw new Error('no free 10.213.N.0/24 for a test LAN');
  const prefix = `10.213.${n}`;
  const ns = `dfl-${id}`;
  const hostLink = `dfh${id}`;
  await ip('netns', 'add', ns);
  const stop = async (): Promise<void> => {
    await ip('netns', 'delete', ns).catch(() => undefined);
    await ip('link', 'delete', hostLink).catch(() => undefined);
  };
  try {
    await ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', ns, 'link', 'set', 'br0', 'up');
    await ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'up0', 'netns', ns);
    await ip('-n', ns, 'link', 'set', 'up0', 'master', 'br0', 'up');
    await ip('addr', 'add', `${prefix}.1/24`, 'dev', hostLink);
    await ip('link', 'set', hostLink, 'up');
  } catch (err) {
    await stop();
    throw err;
  }
  let next = 2;
  return {
    prefix,
    hostAddr: `${prefix}.1`,
    stop,
    async attach(node) {
      const k = next++;
      const addr = `${prefix}.${k}`;
      const port = `p${k}`;
      await ip('-n', ns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node);
      await ip('-n', ns, 'link', 'set', port, 'master', 'br0', 'up');
      await ip('-n', node, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
      await ip('-n', node, 'link', 'set', 'eth0', 'up');
      await ip('-n', node, 'link', 'set', 'lo', 'up');
      return addr;
    },
  };
}

export interface ExtraEngine {
  /** A client of this engine (never the shared one). */
  docker: Docker;
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  /** This engine's address on the test's LAN (where its published ports answer). */
  addr: string;
  dir: string;
  /** Makes the engine a Swarm manager advertised on its LAN address; its node id. */
  swarmInit(): Promise<string>;
  /** Joins `manager`'s Swarm as a worker; its node id. */
  swarmJoin(manager: ExtraEngine): Promise<string>;
  /** The whole node dies at once: every process in its namespace and every container it runs get SIGKILL. */
  kill(): Promise<void>;
  /** The daemons' log so far (for a failing test's message). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopProcess(child: ChildProcess | null, graceMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 5000);
  }
}

async function waitFile(file: string, child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fs.stat(file).then(
      () => true,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error(`${what} did not create ${file} within ${timeoutMs} ms`);
    await delay(50);
  }
}

/**
 * Every process in the cgroup of a container this engine made (the ids under its data root and in
 * its containerd's task state): a container's processes, wherever they were reparented to.
 */
async function containerProcesses(dir: string): Promise<number[]> {
  const ids = new Set(
    [
      ...(await fs.readdir(path.join(dir, 'data', 'containers')).catch(() => [] as string[])),
      ...(await fs.readdir(path.join(dir, 'containerd-state', 'io.containerd.runtime.v2.task', 'moby')).catch(() => [] as string[])),
    ].filter((id) => /^[0-9a-f]{64}$/.test(id)),
  );
  if (ids.size === 0) return [];
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cgroup = await fs.readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => '');
    const id = /\/docker\/([0-9a-f]{64})/.exec(cgroup)?.[1];
    if (id && ids.has(id)) pids.push(Number(entry));
  }
  return pids;
}

/** Removes what is left mounted under `dir` (deepest first), so the temp dir can go. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run(requireProgram('umount'), ['-l', m]).catch(() => undefined);
}

export interface ExtraEngineOptions {
  lan: TestLan;
  /** Registries the engine may use over plain HTTP (a test's own). */
  insecureRegistries?: string[];
}

export async function startExtraEngine(o: ExtraEngineOptions): Promise<ExtraEngine> {
  const nsenter = requireProgram('nsenter');
  const dockerd = requireProgram('dockerd');
  const containerdBin = requireProgram('containerd');
  // Short: a unix socket path has at most 107 bytes.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dfe-'));
  const ns = `dfe-${path.basename(dir).slice(4)}`.toLowerCase();
  const ctdSock = path.join(dir, 'containerd.sock');
  const sock = path.join(dir, 'docker.sock');
  // An empty containerd config: the host's /etc/containerd/config.toml (if any) is not read.
  await fs.writeFile(path.join(dir, 'containerd.toml'), 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
  await fs.writeFile(path.join(dir, 'daemon.json'), '{}\n');
  const logFile = await fs.open(path.join(dir, 'daemons.log'), 'a');
  const out: ['ignore', number, number] = ['ignore', logFile.fd, logFile.fd];
  let containerd: ChildProcess | null = null;
  let engine: ChildProcess | null = null;
  const docker = new Docker({ socketPath: sock });
  let addr = '';

  const killAll = async (): Promise<void> => {
    // Until a pass finds nothing (at least two): a container being created as the node dies (its
    // runc still starting it) shows up only after the first pass.
    for (let pass = 0; pass < 10; pass++) {
      const pids = (await ip('netns', 'pids', ns).catch(() => ''))
        .split('\n')
        .map(Number)
        .filter((p) => p > 1);
      // The containers' processes live in namespaces of their own, not the node's: without this
      // they would outlive their node (and the test), serving on into nothing.
      pids.push(...(await containerProcesses(dir)));
      if (pids.length === 0 && pass > 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
      await delay(300);
    }
  };

  const stop = async (): Promise<void> => {
    if (engine && engine.exitCode === null && engine.signalCode === null) {
      const services = await docker.listServices().catch(() => []);
      await Promise.all(
        services.map((s) =>
          docker
            .getService(s.ID)
            .remove()
            .catch(() => undefined),
        ),
      );
      for (let i = 0; i < 50; i++) {
        const left = await docker.listContainers({ all: true }).catch(() => []);
        if (left.length === 0) break;
        await Promise.all(
          left.map((c) =>
            docker
              .getContainer(c.Id)
              .remove({ force: true })
              .catch(() => undefined),
          ),
        );
        await delay(200);
      }
      await docker.swarmLeave({ force: true }).catch(() => undefined);
    }
    await stopProcess(engine, 20_000);
    await stopProcess(containerd, 10_000);
    // Whatever is left in the namespace (shims, proxies of a killed node) goes with it.
    await killAll();
    await logFile.close().catch(() => undefined);
    await ip('netns', 'delete', ns).catch(() => undefined);
    await unmountUnder(dir);
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    await ip('netns', 'add', ns);
    addr = await o.lan.attach(ns);
    // nsenter, not `ip netns exec`: that also gives a mount namespace with a fresh /sys, where
    // the cgroup hierarchies dockerd needs are not mounted.
    const inNs = (file: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess =>
      spawn(nsenter, [`--net=/run/netns/${ns}`, '--', file, ...args], { stdio: out, ...(env ? { env } : {}) });
    const ctd = inNs(containerdBin, [
      '--config',
      path.join(dir, 'containerd.toml'),
      '--address',
      ctdSock,
      '--root',
      path.join(dir, 'containerd-root'),
      '--state',
      path.join(dir, 'containerd-state'),
    ]);
    containerd = ctd;
    await waitFile(ctdSock, ctd, 'containerd', 20_000);
    const daemon = inNs(
      dockerd,
      [
        '--config-file',
        path.join(dir, 'daemon.json'),
        '--data-root',
        path.join(dir, 'data'),
        '--exec-root',
        path.join(dir, 'exec'),
        '--pidfile',
        path.join(dir, 'docker.pid'),
        '-H',
        `unix://${sock}`,
        '--containerd',
        ctdSock,
        '--bridge',
        'none',
        '--iptables=false',
        '--ip-masq=false',
        '--ip6tables=false',
        ...(o.insecureRegistries ?? []).flatMap((r) => ['--insecure-registry', r]),
        // Without a registry: Swarm tasks use the local image instead of asking Docker Hub first (with
        // this set, Swarm never pulls — so not when the engine has a registry to pull from).
      ],
      { ...process.env, ...(o.insecureRegistries?.length ? {} : { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' }) },
    );
    engine = daemon;
    await waitFile(sock, daemon, 'dockerd', 30_000);
    const deadline = Date.now() + 30_000;
    while (
      !(await docker.ping().then(
        () => true,
        () => false,
      ))
    ) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error('dockerd did not answer');
      await delay(100);
    }
  } catch (err) {
    const log = await fs.readFile(path.join(dir, 'daemons.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`the extra Docker Engine did not start: ${(err as Error).message}\n${log.split('\n').slice(-20).join('\n')}`);
  }

  const nodeId = async (): Promise<string> => ((await docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
  return {
    docker,
    host: `unix://${sock}`,
    addr,
    dir,
    stop,
    log: () => fs.readFile(path.join(dir, 'daemons.log'), 'utf8').catch(() => ''),
    async swarmInit() {
      // Heartbeats every second (default 5 s): a node that dies is seen down within seconds.
      await docker.swarmInit({
        ListenAddr: `${addr}:2377`,
        AdvertiseAddr: `${addr}:2377`,
        Spec: { Dispatcher: { HeartbeatPeriod: 1_000_000_000 } },
      });
      return nodeId();
    },
    async swarmJoin(manager) {
      const swarm = (await manager.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
      await docker.swarmJoin({
        ListenAddr: `${addr}:2377`,
        AdvertiseAddr: `${addr}:2377`,
        RemoteAddrs: [`${manager.addr}:2377`],
        JoinToken: swarm.JoinTokens.Worker,
      });
      return nodeId();
    },
    kill: killAll,
  };
}
