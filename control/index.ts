// control: the REST API, auth and the store. Starts alone with `bin/deployflow control`.
import fs from 'node:fs';
import http from 'node:http';
import type { Config } from '../common/config/config.js';
import type { RouteInput } from '../common/routes/index.js';
import type { Logger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { listen } from '../common/net/listen.js';
import { loadPluginModules, pluginModulePaths } from '../common/plugins/modules.js';
import { googleRouter } from './auth/google/index.js';
import { startAcmeRenewal } from './domains/acme.js';
import { joinApexRoute, startLeadership, type Leadership } from './leadership/index.js';
import { startScaleToZero, type ScaleToZero } from './edge/service.js';
import { buildControlDeps } from './server/build-deps.js';
import { claimSqliteStore, type SqliteClaim } from './store/sqlite/claim.js';
import { createControlApp } from './server/app.js';
import { startRealtime, type RunningRealtime } from './realtime/index.js';
import { followAppLogs } from './runtime/logs.js';
import { webhookRouter } from './webhooks/index.js';
import type { ControlDeps } from './server/deps.js';

export interface RunningControl extends RunningService {
  deps: ControlDeps;
  realtime: RunningRealtime;
  scaleToZero: ScaleToZero | null;
  leadership: Leadership;
}

/** The route control publishes for the domain apex in the one-process layout (API + dashboard). */
function controlRoute(config: Config): { host: string; route: RouteInput } {
  return { host: config.domain, route: { app: 'deployflow', upstreams: [{ host: '127.0.0.1', port: config.controlPort }], tls: true } };
}

export async function startControl(config: Config, log: Logger): Promise<RunningControl> {
  // The operator's plugin modules (GATEWAY_PLUGINS), so PATCH validates their names and configs.
  await loadPluginModules(pluginModulePaths());
  // One control per embedded store; several instances need MongoDB (claim.ts).
  let claim: SqliteClaim | null = null;
  if (!config.mongodbUrl && config.testSharedSqlite === 'off') {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    claim = claimSqliteStore(config.dataDir);
  }
  let deps: ControlDeps;
  try {
    deps = await buildControlDeps(config, log);
  } catch (err) {
    claim?.release();
    throw err;
  }
  const server = http.createServer(createControlApp(deps, { rawRouters: [googleRouter(deps), webhookRouter(deps)] }));
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  // Socket.IO shares the port: the dashboard reaches both through the gateway on the apex.
  const realtime = startRealtime(server, deps, { followAppLogs: (app) => followAppLogs(deps, app) });
  const port = await listen(server, config.controlPort, config.bind);
  log.info({ port, store: deps.store.backend }, 'control listening');
  // The API and dashboard answer on the domain apex through the gateway.
  const apex = controlRoute({ ...config, controlPort: port });
  if (deps.routes) {
    // Over every live instance (leadership/: the leader and the reconciler keep the list exact).
    await joinApexRoute(deps, apex).catch((err: unknown) => log.warn({ err }, 'could not publish the apex route'));
  }
  deps.metrics?.start();
  deps.requests?.start();
  let stopAcmeRenewal = (): void => undefined;
  // Leader-only loops (one instance at a time with Redis). The idle sweeper asks isLeader at each
  // check: its wake listener and idle figures run on every instance, ready for a takeover.
  // The reconciler heals what changed while control was away; it never stops an app on stop.
  let leadership: Leadership | null = null;
  const scaleToZero = await startScaleToZero(deps, 1000, () => leadership?.isLeader() ?? false);
  leadership = startLeadership(deps, {
    apex,
    loops: [
      { start: () => deps.reconciler?.start(() => leadership!.apexRoutes()), stop: () => deps.reconciler?.stop() },
      { start: () => deps.autoscaler?.start(), stop: () => deps.autoscaler?.stop() },
      {
        start: () => {
          stopAcmeRenewal = startAcmeRenewal(deps);
        },
        stop: () => stopAcmeRenewal(),
      },
    ],
  });
  return {
    name: 'control',
    deps,
    realtime,
    scaleToZero,
    leadership,
    addresses: [`http://${config.bind}:${port}`],
    stop: async () => {
      await leadership?.stop();
      await scaleToZero?.stop();
      await realtime.close();
      await Promise.all([deps.metrics?.stop(), deps.requests?.stop()]);
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      deps.redis?.disconnect();
      await deps.store.close();
      claim?.release();
    },
  };
}
