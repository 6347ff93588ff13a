// control: the REST API, auth and the store. Starts alone with `bin/deployflow control`.
import http from 'node:http';
import type { Config } from '../common/config/config.js';
import type { Logger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { listen } from '../common/net/listen.js';
import { loadPluginModules, pluginModulePaths } from '../common/plugins/modules.js';
import { controlRoute } from '../gateway/index.js';
import { googleRouter } from './auth/google/index.js';
import { startAcmeRenewal } from './domains/acme.js';
import { startScaleToZero, type ScaleToZero } from './edge/service.js';
import { buildControlDeps } from './server/build-deps.js';
import { createControlApp } from './server/app.js';
import { startRealtime, type RunningRealtime } from './realtime/index.js';
import { followAppLogs } from './runtime/logs.js';
import { webhookRouter } from './webhooks/index.js';
import type { ControlDeps } from './server/deps.js';

export async function startControl(config: Config, log: Logger): Promise<RunningService & { deps: ControlDeps; realtime: RunningRealtime; scaleToZero: ScaleToZero | null }> {
  // The operator's plugin modules (GATEWAY_PLUGINS), so PATCH validates their names and configs.
  await loadPluginModules(pluginModulePaths());
  const deps = await buildControlDeps(config, log);
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
    await deps.routes.setRoute(apex.host, apex.route).catch((err: unknown) => log.warn({ err }, 'could not publish the apex route'));
  }
  // Heals what changed while control was away (the apex route too); never stops an app on stop.
  deps.reconciler?.start([apex]);
  deps.metrics?.start();
  deps.requests?.start();
  deps.autoscaler?.start();
  const scaleToZero = await startScaleToZero(deps);
  const stopAcmeRenewal = startAcmeRenewal(deps);
  return {
    name: 'control',
    deps,
    realtime,
    scaleToZero,
    addresses: [`http://${config.bind}:${port}`],
    stop: async () => {
      stopAcmeRenewal();
      await scaleToZero?.stop();
      await realtime.close();
      await Promise.all([deps.reconciler?.stop(), deps.metrics?.stop(), deps.requests?.stop(), deps.autoscaler?.stop()]);
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      deps.redis?.disconnect();
      await deps.store.close();
    },
  };
}
