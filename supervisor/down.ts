// `deployflow down`: stops what `make up` started — the supervisor (which stops its processes,
// control first), any of its processes left behind by a supervisor killed outright, and the Redis
// scripts/start-redis.sh started — and removes the hosts-file block. App containers are not
// touched: they keep running, as with every stop of DeployFlow.
import type { Config } from '../common/config/config.js';
import { forgetHostsFile, recordedHostsFile, removeManagedBlock } from './hosts/file.js';
import { isAlive, readRecord, removeRecord, runDir, stillRuns } from './run-dir.js';

/** The supervisor's processes, by the names it records them under. */
const CHILD_ROLES = ['control', 'gateway', 'dns'];

async function terminate(pid: number, graceMs: number): Promise<void> {
  const gone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (isAlive(pid)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await gone(graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await gone(5000);
}

export async function runDown(config: Config, say: (line: string) => void = console.log): Promise<number> {
  const dir = runDir(config.dataDir);
  const stopped: string[] = [];
  const supervisor = readRecord(dir, 'supervisor');
  if (supervisor && stillRuns(supervisor)) {
    say(`deployflow: stopping the platform (supervisor pid ${supervisor.pid})…`);
    await terminate(supervisor.pid, 60_000);
    stopped.push(`the platform (supervisor pid ${supervisor.pid} and its processes)`);
  }
  removeRecord(dir, 'supervisor');
  for (const role of CHILD_ROLES) {
    const child = readRecord(dir, role);
    if (child && stillRuns(child)) {
      await terminate(child.pid, 30_000);
      stopped.push(`${role} (pid ${child.pid}, left behind)`);
    }
    removeRecord(dir, role);
  }
  const redis = readRecord(dir, 'redis');
  if (redis && stillRuns(redis, 'redis-server')) {
    await terminate(redis.pid, 30_000);
    stopped.push(`Redis (pid ${redis.pid})`);
  }
  removeRecord(dir, 'redis');
  const hostsFile = recordedHostsFile(dir);
  if (hostsFile && removeManagedBlock(hostsFile)) stopped.push(`the DeployFlow names in ${hostsFile}`);
  forgetHostsFile(dir);
  if (stopped.length === 0) {
    say(`deployflow: nothing to stop: DeployFlow is not running (nothing recorded in ${dir})`);
    return 0;
  }
  say(`deployflow: stopped ${stopped.join(', ')}. Apps keep running; \`make up\` serves them again.`);
  return 0;
}
