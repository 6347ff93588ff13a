// Starting replicas and holding them to their health checks — shared by release and scale.
// All or nothing: if one replica fails, every replica started by this call is removed and the
// error carries the reason and that container's last log lines.
import { DeployFlowError } from '../../common/errors/catalogue.js';
import type { Clock, LogSink } from '../deps.js';
import type { DockerRunner } from '../docker/runner.js';
import { containerPlan, networkPlan, volumePlan, type ValidRelease } from '../docker/specs.js';
import { HealthFailure, waitHealthy } from './health.js';

export interface Started {
  id: string;
  name: string;
  replica: number;
  hostPort: number;
}

export interface ReplicaDeps {
  runner: DockerRunner;
  clock: Clock;
  log: LogSink;
  network: string;
  healthTimeoutMs: number;
}

/** The smallest replica numbers not used by an existing container name. */
export function freeReplicaNumbers(taken: ReadonlySet<string>, nameOf: (n: number) => string, count: number): number[] {
  const out: number[] = [];
  for (let n = 1; out.length < count; n++) if (!taken.has(nameOf(n))) out.push(n);
  return out;
}

/** The network and the app's volumes; settles which Docker volume each mount of `r` uses. */
export async function prepareInfra(forReplicas: ReplicaDeps, r: ValidRelease): Promise<void> {
  await forReplicas.runner.ensureNetwork(networkPlan(forReplicas.network));
  for (const v of r.volumes) v.volume = await forReplicas.runner.claimVolume(volumePlan(r, v), v.legacy);
}

export async function startHealthy(forReplicas: ReplicaDeps, r: ValidRelease, replicas: number[]): Promise<Started[]> {
  const created: Array<{ id: string; name: string; replica: number }> = [];
  const removeAll = (): Promise<unknown> => Promise.allSettled(created.map((c) => forReplicas.runner.remove(c.id)));
  try {
    for (const n of replicas) {
      const plan = containerPlan(r, n, forReplicas.network);
      created.push({ id: await forReplicas.runner.createAndStart(plan), name: plan.name, replica: n });
    }
  } catch (err) {
    await removeAll();
    throw new DeployFlowError(
      'DF_ERR_RELEASE_FAILED',
      `Could not start the new containers: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const check = 'path' in r.healthcheck ? `GET ${r.healthcheck.path}` : 'TCP connect';
  forReplicas.log(`       health check: ${check} on port ${r.port}, up to ${Math.round(forReplicas.healthTimeoutMs / 1000)}s`);
  const started = forReplicas.clock.now();
  try {
    return await Promise.all(
      created.map(async (c) => {
        const hostPort = await waitHealthy(
          { runner: forReplicas.runner, clock: forReplicas.clock, timeoutMs: forReplicas.healthTimeoutMs },
          c.id,
          r.port,
          r.healthcheck,
        );
        forReplicas.log(
          `       ${c.name} healthy on 127.0.0.1:${hostPort} after ${((forReplicas.clock.now() - started) / 1000).toFixed(1)}s`,
        );
        return { ...c, hostPort };
      }),
    );
  } catch (err) {
    const failed = created.find((c) => err instanceof HealthFailure && c.id === err.containerId) ?? created[0];
    const reason = err instanceof Error ? err.message : String(err);
    const logs = failed ? await forReplicas.runner.tailLogs(failed.id, 30).catch(() => []) : [];
    forReplicas.log(`       ${failed?.name ?? 'container'} failed: ${reason}`);
    for (const line of logs) forReplicas.log(`       | ${line}`);
    await removeAll();
    throw new DeployFlowError('DF_ERR_HEALTHCHECK_FAILED', `${failed?.name ?? 'A new container'} did not become healthy: ${reason}`, {
      reason,
      container: failed?.name,
      logs,
    });
  }
}
