// From control's in-process events to Socket.IO rooms. Deployment events go through the adapter
// (with Redis, every control instance's clients get them: the deploy runs in one instance only).
// Runtime log lines come from a follower that each instance runs for its own subscribers, so
// they go to local sockets only, or a client would see each line once per instance. Request
// samples are local too: every instance computes the same ones from the gateways' reports.
import type { Server } from 'socket.io';
import type { ControlDeps } from '../server/deps.js';
import type { Deployment } from '../store/types.js';
import type { DeploymentLogLine } from '../deploy/log.js';
import { deploymentView } from '../deployments/view.js';
import type { RequestSample } from '../runtime/requests.js';
import type { LogRing } from './ring.js';
import { appRoom, deploymentRoom } from './rooms.js';
import { SLEEP_EVENT, WAKE_FAILED_EVENT, type AppSleepEvent, type AppWakeFailedEvent } from '../edge/deps.js';

export interface AppLogEvent {
  app: string;
  replica: string;
  line: string;
  at: number;
  stream: string;
}
export interface AppMetricsEvent {
  app: string;
  sample: { at: number; cpuPercent: number; memoryBytes: number; memoryLimitBytes: number; rxBytes: number; txBytes: number };
}

export interface AppRequestsEvent {
  app: string;
  sample: RequestSample;
}

export function bridgeEvents(io: Server, deps: ControlDeps, ring: LogRing): () => void {
  const onLog = (l: DeploymentLogLine): void => {
    io.to(deploymentRoom(l.deploymentId)).emit('deployment:log', ring.push(l));
  };
  const onStatus = (d: Deployment): void => {
    io.to([deploymentRoom(d.id), appRoom(d.app, 'status')]).emit('deployment:status', deploymentView(d));
  };
  const onAppLog = (e: AppLogEvent): void => {
    io.local.to(appRoom(e.app, 'logs')).emit('app:log', e);
  };
  const onMetrics = (e: AppMetricsEvent): void => {
    io.to(appRoom(e.app, 'metrics')).emit('app:metrics', e);
  };
  // An app fell asleep, woke, or failed to wake: its status viewers reload the status.
  const onSleep = (e: AppSleepEvent | AppWakeFailedEvent): void => {
    io.to(appRoom(e.app, 'status')).emit('app:sleep', e);
  };
  const onRequests = (e: AppRequestsEvent): void => {
    io.local.to(appRoom(e.app, 'metrics')).emit('app:requests', e);
  };
  deps.events.on('deployment.log', onLog);
  deps.events.on('deployment.status', onStatus);
  deps.events.on('app.log', onAppLog);
  deps.events.on('app.metrics', onMetrics);
  deps.events.on('app.requests', onRequests);
  deps.events.on(SLEEP_EVENT, onSleep);
  deps.events.on(WAKE_FAILED_EVENT, onSleep);
  return () => {
    deps.events.off('deployment.log', onLog);
    deps.events.off('deployment.status', onStatus);
    deps.events.off('app.log', onAppLog);
    deps.events.off('app.metrics', onMetrics);
    deps.events.off('app.requests', onRequests);
    deps.events.off(SLEEP_EVENT, onSleep);
    deps.events.off(WAKE_FAILED_EVENT, onSleep);
  };
}
