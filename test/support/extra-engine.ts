// A private Docker Engine for one test file, beside the machine's shared one (which other tests
// use and which must never become a Swarm): its own containerd (own socket, root and state, so
// no containerd namespace is shared), its own dockerd (data root, exec root, pid file, unix
// socket, daemon.json, all under one temp dir), no default bridge and no iptables rules (the
// shared engine owns the host's DOCKER chains). Swarm's docker_gwbridge is made beforehand with
// a Linux bridge name of its own, so two such engines never fight over one interface name.
// `swarmInit` makes it a single-node Swarm advertised on 127.0.0.1 with ports of its own.
// `stop` removes every service, leaves the Swarm, stops both daemons and deletes all of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Docker from 'dockerode';
import { freePort } from './ports.js';
import { requireProgram } from './programs.js';

export interface ExtraEngine {
  /** A client of this engine (never the shared one). */
  docker: Docker;
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  dir: string;
  /** The Linux bridge behind this engine's docker_gwbridge. */
  bridge: string;
  /** Makes the engine a single-node Swarm manager advertised on 127.0.0.1; its node id. */
  swarmInit(): Promise<string>;
  /** The daemon's log so far (for a failing test's message). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
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
  while (!(await fs.stat(file).then(() => true, () => false))) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error(`${what} did not create ${file} within ${timeoutMs} ms`);
    await delay(50);
  }
}

/** Removes what is left mounted under `dir` (deepest first), so the temp dir can go. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n')
    .map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    await new Promise<void>((resolve) => {
      const child = spawn(requireProgram('umount'), ['-l', m], { stdio: 'ignore' });
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
  }
}

export async function startExtraEngine(): Promise<ExtraEngine> {
  const dockerd = requireProgram('dockerd');
  const containerdBin = requireProgram('containerd');
  // Short: a unix socket path has at most 107 bytes.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dfe-'));
  const id = randomBytes(3).toString('hex');
  const bridge = `dfgw${id}`;
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

  const stop = async (): Promise<void> => {
    if (engine && engine.exitCode === null) {
      const services = await docker.listServices().catch(() => []);
      await Promise.all(services.map((s) => docker.getService(s.ID).remove().catch(() => undefined)));
      for (let i = 0; i < 100; i++) {
        const left = await docker.listContainers({ all: true }).catch(() => []);
        if (left.length === 0) break;
        await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
        await delay(200);
      }
      await docker.swarmLeave({ force: true }).catch(() => undefined);
      await docker.getNetwork('docker_gwbridge').remove().catch(() => undefined);
    }
    await stopProcess(engine, 20_000);
    await stopProcess(containerd, 10_000);
    await logFile.close().catch(() => undefined);
    // Should the network removal have failed, the bridge would outlive the engine in the host's namespace.
    await new Promise<void>((resolve) => {
      const child = spawn(requireProgram('ip'), ['link', 'delete', bridge], { stdio: 'ignore' });
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    await unmountUnder(dir);
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    const ctd = spawn(containerdBin, [
      '--config', path.join(dir, 'containerd.toml'), '--address', ctdSock,
      '--root', path.join(dir, 'containerd-root'), '--state', path.join(dir, 'containerd-state'),
    ], { stdio: out });
    containerd = ctd;
    await waitFile(ctdSock, ctd, 'containerd', 20_000);
    const daemon = spawn(dockerd, [
      '--config-file', path.join(dir, 'daemon.json'),
      '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid'),
      '-H', `unix://${sock}`, '--containerd', ctdSock,
      '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--ip6tables=false',
      // Swarm tasks use the local image instead of asking a registry first (nothing is pulled here).
    ], { stdio: out, env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' } });
    engine = daemon;
    await waitFile(sock, daemon, 'dockerd', 30_000);
    const deadline = Date.now() + 30_000;
    while (!(await docker.ping().then(() => true, () => false))) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error('dockerd did not answer');
      await delay(100);
    }
    // Made before the Swarm is: Swarm then uses it instead of creating a `docker_gwbridge` bridge.
    await docker.createNetwork({
      Name: 'docker_gwbridge', Driver: 'bridge',
      Options: {
        'com.docker.network.bridge.name': bridge, 'com.docker.network.bridge.enable_icc': 'false',
        'com.docker.network.bridge.enable_ip_masquerade': 'false',
      },
    });
  } catch (err) {
    const log = await fs.readFile(path.join(dir, 'daemons.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`the extra Docker Engine did not start: ${(err as Error).message}\n${log.split('\n').slice(-20).join('\n')}`);
  }

  return {
    docker, host: `unix://${sock}`, dir, bridge, stop,
    log: () => fs.readFile(path.join(dir, 'daemons.log'), 'utf8').catch(() => ''),
    async swarmInit() {
      // Ports of its own: the shared machine may run other Swarms (another test's engine).
      const port = await freePort();
      const dataPathPort = 40_000 + Math.floor(Math.random() * 9000);
      await docker.swarmInit({ ListenAddr: `127.0.0.1:${port}`, AdvertiseAddr: `127.0.0.1:${port}`, DataPathPort: dataPathPort });
      const info = await docker.info() as { Swarm: { NodeID: string } };
      return info.Swarm.NodeID;
    },
  };
}

/** Copies an image from the shared engine into `target` (docker save | docker load, through the API). */
export async function copyImage(from: Docker, target: Docker, image: string): Promise<void> {
  const tar = await from.getImage(image).get();
  const res = await target.loadImage(tar);
  await new Promise<void>((resolve, reject) => {
    target.modem.followProgress(res, (err: Error | null, events: Array<{ error?: string }>) => {
      const failed = events?.find((e) => e.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    });
  });
}
