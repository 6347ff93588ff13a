// The docker runtime (the default): each replica is a container on this one engine, published on
// 127.0.0.1, health-gated by DeployFlow itself and switched in the route table as a whole. The
// code is what DeployFlow always ran; this class only puts it behind the AppRuntime seam.
import type Docker from 'dockerode';
import {
  DockerRunner,
  goLive,
  LABEL_APP,
  listAppContainers,
  purgeApp,
  replicaDeps,
  retire,
  stopAppContainers,
  type LiveRelease,
  type ReleaseDeps,
  type ReleaseSpec,
  type Upstream,
} from '../../builder/index.js';
import { wakeContainers } from '../edge/wake.js';
import { startContainers } from '../operations/lifecycle.js';
import { rollContainers } from '../operations/restart.js';
import type { OpsDeps } from '../operations/deps.js';
import { converge, type ConvergeOptions, type ConvergeResult, type ConvergeTarget } from '../reconciler/converge.js';
import { LABEL_INSTANCE } from '../reconciler/instance.js';
import { ContainerLogFollower, tailContainerLogs } from '../runtime/logs.js';
import type { App } from '../store/types.js';
import { containerStats } from './container-stats.js';
import type { AppRuntime, RemoveOptions, Replica, ReplicaLogLine, ReplicaStats, RunningDeployment } from './runtime.js';

export class DockerRuntime implements AppRuntime {
  readonly kind = 'docker' as const;

  constructor(readonly docker: Docker) {}

  goLive(deps: ReleaseDeps, spec: ReleaseSpec): Promise<LiveRelease> {
    return goLive({ ...deps, docker: this.docker }, spec);
  }

  retire(deps: ReleaseDeps, old: LiveRelease['old']): Promise<void> {
    const forRelease = { ...deps, docker: this.docker };
    return retire(forRelease, replicaDeps(forRelease).runner, old);
  }

  converge(ops: OpsDeps, app: App, target: ConvergeTarget, opts: ConvergeOptions): Promise<ConvergeResult> {
    return converge(ops, app, target, opts);
  }

  start(ops: OpsDeps, app: App, running: RunningDeployment): Promise<ConvergeResult> {
    return startContainers(ops, app, running);
  }

  restart(ops: OpsDeps, app: App, running: RunningDeployment): Promise<string[]> {
    return rollContainers(ops, app, running);
  }

  stop(app: string, graceSeconds?: number): Promise<string[]> {
    return stopAppContainers(this.docker, app, graceSeconds);
  }

  wake(ops: OpsDeps, app: App, running: RunningDeployment): Promise<Upstream[]> {
    return wakeContainers(ops, app, running);
  }

  replicas(app: string): Promise<Replica[]> {
    return listAppContainers(this.docker, app);
  }

  tailLogs(app: string, tail: number): Promise<string[]> {
    return tailContainerLogs(this.docker, app, tail);
  }

  followLogs(app: string, onLine: (l: ReplicaLogLine) => void, pollMs: number): () => void {
    const follower = new ContainerLogFollower(this.docker, app, onLine, pollMs);
    return () => follower.close();
  }

  stats(labels: Record<string, string>): Promise<ReplicaStats[]> {
    return containerStats(this.docker, labels);
  }

  remove(app: string, opts?: RemoveOptions): Promise<void> {
    return purgeApp(this.docker, app, opts);
  }

  async instanceApps(instance: string): Promise<string[]> {
    const mine = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_INSTANCE}=${instance}`] } });
    return mine.map((c) => c.Labels[LABEL_APP] ?? '').filter(Boolean);
  }

  async removeInstanceApp(instance: string, app: string): Promise<string[]> {
    const mine = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_INSTANCE}=${instance}`, `${LABEL_APP}=${app}`] },
    });
    const runner = new DockerRunner(this.docker);
    for (const c of mine) await runner.remove(c.Id);
    return mine.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
  }
}
