// `deployflow up`: the one-command layout as separate processes under a small supervisor. The
// gateway and the DNS run in processes of their own and keep serving their last route table
// while control (with git, which shares its store) is away; any of them that dies is restarted.
// SIGINT/SIGTERM stop them all, control first, the data plane last. Apps are never stopped.
import { loadConfig, type Config } from '../common/config/config.js';
import { NEEDS_REDIS, PORT_VARIABLES, SERVICE_NAMES, type ServiceName } from '../bin/services.js';
import { banner } from './banner.js';
import { SupervisedChild } from './child.js';
import { startHostsSync, type HostsSync } from './hosts/sync.js';
import { hostsFileSetting } from './hosts/setting.js';
import { portOf, type ReadyMessage, type StartedService } from './protocol.js';
import { DEFAULT_RESTART_POLICY } from './restart-policy.js';
import { readRecord, removeRecord, runDir, stillRuns, writeRecord } from './run-dir.js';

/** How long a stopping process may drain before it is killed. */
const STOP_GRACE_MS = 30_000;

export async function runUp(config: Config): Promise<void> {
  const dir = runDir(config.dataDir);
  const running = readRecord(dir, 'supervisor');
  if (running && running.pid !== process.pid && stillRuns(running)) {
    console.error(`deployflow: already running (pid ${running.pid}) on ${config.dataDir}; stop it first with \`deployflow down\``);
    process.exit(1);
  }
  const hostsFile = hostsFileSetting();
  writeRecord(dir, 'supervisor', process.pid);

  // Ports a process was given by the kernel (asked as 0) are pinned for every later start.
  const pinned: Record<string, string> = {};
  const services = new Map<string, StartedService>();
  const onReady = (ready: ReadyMessage): void => {
    for (const service of ready.services) {
      services.set(service.name, service);
      const variables = PORT_VARIABLES[service.name as ServiceName] ?? [];
      variables.forEach((variable, i) => {
        const port = portOf(service.addresses[i] ?? '');
        if (port) pinned[variable] = String(port);
      });
    }
  };
  const context = {
    command: [process.execPath, ...process.execArgv, process.argv[1]!] as [string, ...string[]],
    env: () => ({ ...process.env, ...pinned }),
    runDir: dir,
    policy: DEFAULT_RESTART_POLICY,
    readyTimeoutMs: 120_000,
    say: (line: string) => console.error(line),
    onReady,
  };
  const dataPlane: SupervisedChild[] = [];
  for (const name of ['gateway', 'dns'] as const) {
    if (NEEDS_REDIS.has(name) && !config.redisUrl) {
      console.log(`deployflow: not starting ${name}: it follows the route table in Redis, set REDIS_URL`);
      continue;
    }
    dataPlane.push(new SupervisedChild(name, [name], context));
  }
  // git serves pushes from control's store and deploy pipeline: it lives in control's process.
  const control = new SupervisedChild('control', ['control', 'git'], context);

  let hosts: HostsSync | null = null;
  let stopping: Promise<void> | null = null;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      await control.stop(STOP_GRACE_MS);
      await Promise.all(dataPlane.map((c) => c.stop(STOP_GRACE_MS)));
      await hosts?.stop();
      removeRecord(dir, 'supervisor');
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stopAll().then(() => process.exit(0)));
  }

  try {
    // The data plane first: control then learns the gateway's port for the URLs it prints.
    await Promise.all(dataPlane.map((c) => c.start()));
    await control.start();
    if (hostsFile && config.redisUrl)
      hosts = await startHostsSync(hostsFile, loadConfig({ ...process.env, ...pinned }), (l) => console.error(l));
  } catch (err) {
    if (stopping) return;
    console.error(`deployflow: could not start: ${(err as Error).message}`);
    await stopAll();
    process.exit(1);
  }
  if (stopping) return;
  const order = SERVICE_NAMES.map((n) => services.get(n)).filter((s): s is StartedService => s !== undefined);
  const notes = ['Supervised: a process that dies is restarted; `deployflow down` (or `make down`) stops everything.'];
  if (hosts?.inPlace()) notes.push(`Names: ${hosts.file} resolves ${config.domain} and each app's name on this machine (removed at stop).`);
  console.log(banner(loadConfig({ ...process.env, ...pinned }), order, notes));
}
