// Realtime for control: Socket.IO rooms, the deployment notifier and the gateway request poller,
// started together because notifications are pushed to the user's sockets as they are stored,
// and request samples feed the metrics rooms as well as the metrics API.
import type http from 'node:http';
import { readGatewayMetrics } from '../../gateway/index.js';
import { startNotifier, type Notifier } from '../notifications/notifier.js';
import { attachRequestPoller, GatewayRequestPoller } from '../runtime/request-poller.js';
import type { ControlDeps } from '../server/deps.js';
import { attachRealtime, type Realtime, type RealtimeOptions } from './server.js';

export type { Realtime, RealtimeOptions } from './server.js';

export interface RunningRealtime {
  realtime: Realtime;
  notifier: Notifier;
  /** Null without Redis: the gateways report there. */
  requests: GatewayRequestPoller | null;
  close(): Promise<void>;
}

export function startRealtime(server: http.Server, deps: ControlDeps, options: RealtimeOptions = {}): RunningRealtime {
  const realtime = attachRealtime(server, deps, options);
  const notifier = startNotifier(deps, (userId, n) => {
    const { userId: _u, ...view } = n;
    realtime.notifyUser(userId, view);
  });
  const redis = deps.redis;
  const requests = redis
    ? new GatewayRequestPoller({ read: () => readGatewayMetrics(redis), events: deps.events, log: deps.log, clock: deps.clock, intervalMs: options.requestsIntervalMs ?? 1000 })
    : null;
  if (requests) {
    attachRequestPoller(deps, requests);
    requests.start();
  }
  return {
    realtime, notifier, requests,
    async close() {
      notifier.stop();
      await requests?.stop();
      await realtime.close();
    },
  };
}
