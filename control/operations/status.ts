// GET /apps/:name/status: the app's state (state.ts), each container with a live health probe,
// and the deployment that serves (or the latest one when none does).
import { probeHttp } from '../../builder/index.js';
import type { ControlDeps } from '../server/deps.js';
import type { App } from '../store/types.js';
import { autoscaleStatus, type AutoscaleStatus } from '../autoscale/status.js';
import { appState, runningDeployment, type AppState } from './state.js';
import { isStopped } from './stopped.js';
import { sleepState } from '../edge/state.js';

export interface ReplicaStatus {
  name: string;
  deploymentId: string;
  state: string;
  healthy?: boolean;
  hostPort: number | null;
}

export interface AppStatus {
  state: AppState;
  replicas: ReplicaStatus[];
  /** Scale to zero: asleep now, when it last woke, how often, the last cold start and wake error. */
  sleep: { sleeping: boolean; wokeAt: number | null; wakes: number; lastColdStartMs: number | null; lastWakeError: string | null };
  deployment: { id: string; status: string; image: string | null; commit: string | null; createdAt: number } | null;
  autoscale: AutoscaleStatus;
}

export async function appStatus(deps: ControlDeps, app: App): Promise<AppStatus> {
  const history = await deps.store.deployments.listByApp(app.name, 50);
  const stopped = await isStopped(deps.store, app.name);
  const sleep = await sleepState(deps.store, app.name);
  const containers = deps.deploy ? await deps.deploy.runtime.replicas(app.name).catch(() => []) : [];
  const replicas = await Promise.all(
    containers.map(
      async (c): Promise<ReplicaStatus> => ({
        name: c.name,
        deploymentId: c.deploymentId,
        state: c.state,
        hostPort: c.hostPort ?? null,
        ...(c.running && c.hostPort ? { healthy: (await probeHttp(c.hostPort, app.healthcheck.path, 1000, c.host)).ok } : {}),
      }),
    ),
  );
  const d = runningDeployment(history) ?? history[0] ?? null;
  return {
    state: appState(history, stopped, app.replicas, sleep.sleeping),
    sleep: {
      sleeping: sleep.sleeping && !stopped,
      wokeAt: sleep.wokeAt,
      wakes: sleep.wakes,
      lastColdStartMs: sleep.lastColdStartMs,
      lastWakeError: sleep.lastWakeError,
    },
    replicas,
    deployment: d ? { id: d.id, status: d.status, image: d.image, commit: d.commit, createdAt: d.createdAt } : null,
    autoscale: await autoscaleStatus(deps, app),
  };
}
