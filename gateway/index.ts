// The gateway service: follows the route table and proxies HTTP, HTTPS (SNI) and WebSockets to
// app replicas. `startGateway` is the StartService contract (common/service.ts).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import { claimLocalCa, readChallenge, CERTS_CHANNEL } from '../common/certificates/index.js';
import { ConfigError } from '../common/config/config.js';
import { startCluster } from './cluster/primary.js';
import type { StartService } from '../common/service.js';
import type { Logger } from '../common/log/logger.js';
import { RouteTableConsumer, WAKE_CHANNEL, WAKE_FAILED_CHANNEL } from '../common/routes/index.js';
import { BackendRegistry } from './balancing/backends.js';
import { ActiveHealth } from './health/active.js';
import { AccessLog } from './observe/access-log.js';
import { Metrics } from './observe/metrics.js';
import { startPublishing } from './observe/publish.js';
import { gatewayOptions } from './options/options.js';
import type { GatewayCore } from './core.js';
import { RouteIndex } from './routing/index-table.js';
import { parseWakeFailure, WakeHolds } from './waking/hold.js';
import { PluginHost } from './plugins/chain.js';
import { loadGatewayPlugins } from './plugins/registry.js';
import { fastHttpListener, fastHttpsListener } from './fast/listeners.js';
import { httpListener, httpsListener, type Listener } from './server/servers.js';
import { loadOrCreateLocalCa, loadSharedLocalCa, type LocalCa } from './tls/ca.js';
import { CertificateSelector } from './tls/sni.js';

export const startGateway: StartService = async (config, log) => {
  if (!config.redisUrl) throw new ConfigError('REDIS_URL', 'must be set: the gateway follows the route table in Redis');
  const options = gatewayOptions(config);
  if (options.workers > 1) return startCluster(config, options.workers, options.drainMs, log);
  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Before the route table: a route's chain is built as soon as its route is loaded.
  const plugins = await loadGatewayPlugins(options.pluginModules);
  const consumer = new RouteTableConsumer({ redisUrl: config.redisUrl, log });
  await consumer.start();
  const retry = { retryStrategy: (n: number) => Math.min(50 * n, 1000), maxRetriesPerRequest: 1 };
  const redis = new Redis(config.redisUrl, { ...retry, enableOfflineQueue: false });
  const sub = new Redis(config.redisUrl, retry);
  for (const c of [redis, sub]) c.on('error', () => undefined);

  const registry = new BackendRegistry(options.upstreamConnections, options.upstreamTimeoutMs);
  const index = new RouteIndex(registry, consumer, new PluginHost(plugins, { redis, log }));
  const metrics = new Metrics();
  metrics.inflightSource = () => index.inflightByApp();
  const access = new AccessLog(options.accessLog);
  const core: GatewayCore = {
    index,
    options,
    metrics,
    access,
    draining: false,
    inflight: 0,
    acmeChallenge: (token) => readChallenge(redis, token),
    holds: new WakeHolds(index, {
      timeoutMs: options.wakeTimeoutMs,
      queueLimit: options.wakeQueue,
      publishWake: (route) => {
        redis.publish(WAKE_CHANNEL, JSON.stringify({ app: route.app, host: route.host })).catch(() => undefined);
      },
    }),
  };

  const ca = await localCa(redis, options.tlsDir, config.domain, log);
  // A restarted Redis has lost the shared CA: the first gateway to reconnect stores it again (SET
  // NX, so all agree). One that started while Redis was away serves its disk CA: it says so when
  // that is not the shared one, and a restart makes it serve the shared one.
  redis.on('ready', () => {
    claimLocalCa(redis, () => ca.ca)
      .then((shared) => {
        if (shared.cert !== ca.ca.cert) log.warn('this gateway serves a local CA other than the shared one: restart it');
      })
      .catch(() => undefined);
  });
  const certs = new CertificateSelector(ca, config.domain, redis, index, log);
  sub.on('message', (ch: string, message: string) => {
    if (ch === WAKE_FAILED_CHANNEL) {
      const f = parseWakeFailure(message);
      if (f) core.holds.failed(f);
    } else certs.invalidate(message);
  });
  sub.subscribe(CERTS_CHANNEL, WAKE_FAILED_CHANNEL).catch(() => undefined);
  consumer.on('change', (c) => certs.invalidate(c.host));

  const health = new ActiveHealth(registry, options.healthIntervalMs);
  health.start();
  const stopPublishing = startPublishing(redis, id, consumer, metrics);

  const listeners: Listener[] =
    options.engine === 'fast'
      ? [fastHttpListener(core), fastHttpsListener(core, certs)]
      : [httpListener(options, core), httpsListener(options, core, certs)];
  const httpPort = await listeners[0]!.listen(config.gatewayHttpPort, config.bind);
  const httpsPort = await listeners[1]!.listen(config.gatewayHttpsPort, config.bind);
  log.info({ httpPort, httpsPort, engine: options.engine, routes: consumer.routes.size, version: consumer.version }, 'gateway listening');

  return {
    name: 'gateway',
    addresses: [`http://${config.bind}:${httpPort}`, `https://${config.bind}:${httpsPort}`],
    async stop() {
      // Drain: stop accepting, let open requests finish (answered with Connection: close), then cut.
      core.draining = true;
      const closed = listeners.map((l) => l.close());
      for (const l of listeners) l.closeIdle();
      const deadline = Date.now() + options.drainMs;
      while (core.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const l of listeners) l.closeAll();
      await Promise.all(closed);
      health.stop();
      await stopPublishing();
      access.close();
      index.close();
      await registry.closeAll();
      await consumer.stop();
      redis.disconnect();
      sub.disconnect();
    },
  };
};

/**
 * The CA every gateway on this Redis shares; this gateway's own (from its disk) when Redis does
 * not answer within a few seconds of start, so HTTPS still comes up.
 */
async function localCa(redis: Redis, tlsDir: string, domain: string, log: Logger): Promise<LocalCa> {
  const ready =
    redis.status === 'ready' ||
    (await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    }));
  if (ready) {
    try {
      return await loadSharedLocalCa(redis, tlsDir, domain);
    } catch (err) {
      log.warn({ err }, "reading the shared local CA failed; serving this gateway's own");
    }
  } else log.warn("Redis is away: serving this gateway's own local CA until it is restarted with Redis");
  return loadOrCreateLocalCa(tlsDir, domain);
}
