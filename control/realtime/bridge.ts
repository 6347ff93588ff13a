// From control's in-process events to Socket.IO rooms. Deployment events go through the adapter
// (with Redis, every control instance's clients get them: the deploy runs in one instance only).
// Runtime log lines come from a follower that each instance runs for its own subscribers, so
// they go to local sockets only, or a client would see each line once per instance. Request
// samples are local too: every instance computes the same ones from the gateways' reports.
import type { Server } from 'socket.io';
import type { ControlDeps } from '../server/deps.js';
import type { ControlEvents } from '../server/events.js';
import { deploymentView } from '../deployments/view.js';
import type { LogRing } from './ring.js';
import { appRoom, deploymentRoom } from './rooms.js';

/** The payload of control event `E`: each handler below takes exactly what its event carries. */
type Payload<E extends keyof ControlEvents> = ControlEvents[E][0];

export function bridgeEvents(io: Server, deps: ControlDeps, ring: LogRing): () => void {
  const onLog = (l: Payload<'deployment.log'>): void => {
    io.to(deploymentRoom(l.deploymentId)).emit('deployment:log', ring.push(l));
  };
  const onStatus = (d: Payload<'deployment.status'>): void => {
    io.to([deploymentRoom(d.id), appRoom(d.app, 'status')]).emit('deployment:status', deploymentView(d));
  };
  const onAppLog = (e: Payload<'app.log'>): void => {
    io.local.to(appRoom(e.app, 'logs')).emit('app:log', e);
  };
  const onMetrics = (e: Payload<'app.metrics'>): void => {
    io.to(appRoom(e.app, 'metrics')).emit('app:metrics', e);
  };
  // An app fell asleep, woke, or failed to wake: its status viewers reload the status.
  const onSleep = (e: Payload<'app.sleep'> | Payload<'app.wake-failed'>): void => {
    io.to(appRoom(e.app, 'status')).emit('app:sleep', e);
  };
  const onRequests = (e: Payload<'app.requests'>): void => {
    io.local.to(appRoom(e.app, 'metrics')).emit('app:requests', e);
  };
  deps.events.on('deployment.log', onLog);
  deps.events.on('deployment.status', onStatus);
  deps.events.on('app.log', onAppLog);
  deps.events.on('app.metrics', onMetrics);
  deps.events.on('app.requests', onRequests);
  deps.events.on('app.sleep', onSleep);
  deps.events.on('app.wake-failed', onSleep);
  return () => {
    deps.events.off('deployment.log', onLog);
    deps.events.off('deployment.status', onStatus);
    deps.events.off('app.log', onAppLog);
    deps.events.off('app.metrics', onMetrics);
    deps.events.off('app.requests', onRequests);
    deps.events.off('app.sleep', onSleep);
    deps.events.off('app.wake-failed', onSleep);
  };
}
