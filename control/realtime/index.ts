// Realtime for control: Socket.IO rooms and the deployment notifier, started together because
// notifications are pushed to the user's sockets as they are stored.
import type http from 'node:http';
import { startNotifier, type Notifier } from '../notifications/notifier.js';
import type { ControlDeps } from '../server/deps.js';
import { attachRealtime, type Realtime, type RealtimeOptions } from './server.js';

export type { Realtime, RealtimeOptions } from './server.js';

export interface RunningRealtime {
  realtime: Realtime;
  notifier: Notifier;
  close(): Promise<void>;
}

export function startRealtime(server: http.Server, deps: ControlDeps, options: RealtimeOptions = {}): RunningRealtime {
  const realtime = attachRealtime(server, deps, options);
  const notifier = startNotifier(deps, (userId, n) => {
    const { userId: _u, ...view } = n;
    realtime.notifyUser(userId, view);
  });
  return {
    realtime,
    notifier,
    async close() {
      notifier.stop();
      await realtime.close();
    },
  };
}
