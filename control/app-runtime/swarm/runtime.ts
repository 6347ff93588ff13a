// The swarm runtime: each app is one Swarm service (spec.ts) and Swarm is the scheduler — it
// places replicas, replaces failed ones, rolls updates start-first behind the container health
// check and rolls back on the first failure. DeployFlow keeps what it does above that: the deploy
// order, the route table (each running task's host-mode port on its node's address, republished
// as the update proceeds), the store's desired state, logs and metrics. This class only puts the
// release (release.ts) and the day-two operations (operations.ts) behind the AppRuntime seam.
import type Docker from 'dockerode';
import { LABEL_APP, type LiveRelease, type ReleaseDeps, type ReleaseSpec, type Upstream } from '../../../builder/index.js';
import type { OpsDeps } from '../../operations/deps.js';
import type { ConvergeOptions, ConvergeResult, ConvergeTarget } from '../../reconciler/converge.js';
import { LABEL_INSTANCE } from '../../reconciler/instance.js';
import type { App } from '../../store/types.js';
import { containerStats } from '../container-stats.js';
import type { AppRuntime, RemoveOptions, Replica, ReplicaLogLine, ReplicaStats, RunningDeployment } from '../runtime.js';
import { followServiceLogs, tailServiceLogs } from './logs.js';
import { convergeService, removeAppService, restartService, startService, stopService, wakeService } from './operations.js';
import { releaseService } from './release.js';
import { inspectService, removeService, type SwarmContext, type SwarmRuntimeOptions } from './service.js';
import { serviceName } from './spec.js';
import { serviceReplicas } from './tasks.js';

export class SwarmRuntime implements AppRuntime, SwarmContext {
  readonly kind = 'swarm' as const;
  readonly pollMs: number;

  constructor(
    readonly docker: Docker,
    readonly options: SwarmRuntimeOptions,
  ) {
    this.pollMs = options.pollMs ?? 250;
  }

  goLive(deps: ReleaseDeps, spec: ReleaseSpec): Promise<LiveRelease> {
    return releaseService(this, deps, spec);
  }

  /** Swarm already stopped the old tasks during the update. */
  async retire(): Promise<void> {}

  converge(ops: OpsDeps, app: App, target: ConvergeTarget, opts: ConvergeOptions): Promise<ConvergeResult> {
    return convergeService(this, ops, app, target, opts);
  }

  start(ops: OpsDeps, app: App, running: RunningDeployment): Promise<ConvergeResult> {
    return startService(this, ops, app, running);
  }

  restart(ops: OpsDeps, app: App, running: RunningDeployment): Promise<string[]> {
    return restartService(this, ops, app, running);
  }

  stop(app: string, graceSeconds?: number): Promise<string[]> {
    return stopService(this, app, graceSeconds);
  }

  wake(ops: OpsDeps, app: App, running: RunningDeployment): Promise<Upstream[]> {
    return wakeService(this, ops, app, running);
  }

  replicas(app: string): Promise<Replica[]> {
    return serviceReplicas(this.docker, app);
  }

  tailLogs(app: string, tail: number): Promise<string[]> {
    return tailServiceLogs(this.docker, app, tail);
  }

  followLogs(app: string, onLine: (l: ReplicaLogLine) => void, pollMs: number): () => void {
    return followServiceLogs(this.docker, app, onLine, pollMs);
  }

  /** The tasks on this manager's node (Swarm has no cluster-wide stats). */
  stats(labels: Record<string, string>): Promise<ReplicaStats[]> {
    return containerStats(this.docker, labels, (c) => {
      const app = c.Labels[LABEL_APP] ?? '';
      const slot = /^[^.]+\.(\d+)\./.exec(c.Labels['com.docker.swarm.task.name'] ?? '')?.[1];
      return slot ? `${app}.${slot}` : (c.Names[0] ?? c.Id).replace(/^\//, '');
    });
  }

  remove(app: string, opts?: RemoveOptions): Promise<void> {
    return removeAppService(this, app, opts);
  }

  async instanceApps(instance: string): Promise<string[]> {
    const services = await this.docker.listServices({ filters: { label: [`${LABEL_INSTANCE}=${instance}`] } });
    return services.map((s) => s.Spec?.Labels?.[LABEL_APP] ?? '').filter(Boolean);
  }

  async removeInstanceApp(instance: string, app: string): Promise<string[]> {
    const svc = await inspectService(this, app);
    if (!svc || svc.Spec.Labels?.[LABEL_INSTANCE] !== instance) return [];
    await removeService(this, app);
    return [serviceName(app)];
  }
}
