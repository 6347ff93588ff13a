// Builds control's dependencies from the validated config: the store (MongoDB or embedded),
// Redis when configured, the Docker client, and the secrets (given or generated once).
import { EventEmitter } from 'node:events';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import type { Config } from '../../common/config/config.js';
import type { Logger } from '../../common/log/logger.js';
import { loadOrCreateSecret } from '../../common/secrets/secrets.js';
import { LoginLimiter } from '../auth/rate-limit.js';
import { RESET_LIMITS } from '../accounts/reset-tokens.js';
import { SecondFactors, secondFactorCipher } from '../accounts/second-factor.js';
import { TokenService } from '../auth/tokens.js';
import { EnvCipher } from '../env/cipher.js';
import { openStore } from '../store/open.js';
import { createRoutePublisher } from '../../common/routes/index.js';
import { createBuilder } from '../../builder/index.js';
import { DeployEngine } from '../deploy/engine.js';
import { selectRuntime } from '../app-runtime/select.js';
import { AppExclusive } from '../deploy/exclusive.js';
import { SharedTurns } from '../deploy/shared-turns.js';
import { SharedDrains } from '../deploy/shared-drains.js';
import { FencedLocks, TicketQueues } from '../../common/coordination/index.js';
import { deleteRepo } from '../../git/index.js';
import { attachOperationHooks } from '../operations/hooks.js';
import { deployQuotaCheck } from '../operations/quota.js';
import { releaseRefusal } from '../accounts/release-check.js';
import { buildCacheLedger, buildImageSettings, buildLimits } from '../builds/index.js';
import { allowPrivateUrls } from '../webhooks/settings.js';
import { operationServices } from '../operations/services.js';
import { GatewayRequestPoller } from '../runtime/request-poller.js';
import { Autoscaler } from '../autoscale/autoscaler.js';
import { forgetRecord } from '../autoscale/history.js';
import { readGatewayMetrics } from '../../common/gateway-reports/index.js';
import { LABEL_INSTANCE, platformInstanceId } from '../reconciler/instance.js';
import type { ControlDeps } from './deps.js';
import type { ControlEvents } from './events.js';

export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  // Commands fail fast while Redis is down instead of queueing forever; ioredis keeps
  // reconnecting in the background. A Redis that is down at start does not stop control.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis unavailable'));
  await redis.connect().catch((err: unknown) => log.warn({ err }, 'redis unavailable at start; retrying in the background'));
  return redis;
}

export async function buildControlDeps(config: Config, log: Logger): Promise<ControlDeps> {
  const store = await openStore({ dataDir: config.dataDir, ...(config.mongodbUrl ? { mongodbUrl: config.mongodbUrl } : {}) });
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, log) : null;
  const jwtKey = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : loadOrCreateSecret(config.dataDir, 'jwt');
  const envKey = config.encryptionKey ? Buffer.from(config.encryptionKey, 'hex') : loadOrCreateSecret(config.dataDir, 'env-encryption');
  const clock = Date.now;
  const docker = new Docker();
  const envCipher = new EnvCipher(envKey);
  const events = new EventEmitter<ControlEvents>();
  // With Redis, deploys and operations of an app are ordered across every control instance and
  // git service sharing it, and route writes carry the app lock's fence.
  const exclusive = new AppExclusive(
    redis
      ? new FencedLocks(redis, {
          onLost: (name) => log.warn({ lock: name }, 'an app lock expired while its holder still worked; its route writes will be refused'),
        })
      : null,
  );
  const turns = redis ? new SharedTurns(redis, new TicketQueues(redis)) : undefined;
  const routes = redis ? createRoutePublisher(redis, exclusive.fenceFor) : null;
  const builder = createBuilder({
    docker,
    images: config.images,
    engine: config.builder,
    buildTimeoutMs: config.build.timeoutSeconds * 1000,
    maxConcurrentBuilds: config.build.concurrency,
    imageSettings: () => buildImageSettings(store.settings),
    appCache: { budgetMb: config.build.appCacheMb, ledger: buildCacheLedger(store.settings) },
    ...(config.build.isolation === 'on'
      ? {
          isolation: {
            limits: buildLimits({ store, config }),
            allowPrivate: () => allowPrivateUrls(store.settings),
            contextMb: config.build.contextMb,
            imageMb: config.build.imageMb,
            diskMb: config.build.diskMb,
          },
        }
      : {}),
  });
  // DEPLOYFLOW_RUNTIME=swarm on an engine that is not a Swarm manager stops the start here.
  const runtime = await selectRuntime(docker, config, log);
  const deploy = new DeployEngine({
    config,
    store,
    docker,
    builder,
    routes,
    envCipher,
    events,
    log,
    clock,
    runtime,
    healthTimeoutMs: config.healthTimeoutSeconds * 1000,
    drainMs: config.drainSeconds * 1000,
    checkQuota: deployQuotaCheck({ store, config }),
    releaseRefusal: releaseRefusal(store),
    labels: { [LABEL_INSTANCE]: await platformInstanceId(store) },
    exclusive,
    ...(turns ? { turns } : {}),
    // A drain entry outlives the drain by two minutes at most (a crashed instance's).
    ...(redis ? { drains: new SharedDrains(redis, config.drainSeconds * 1000 + 120_000) } : {}),
  });
  events.on('app.deleted', (app) => {
    Promise.all([deploy.removeApp(app.name), deleteRepo(config, app.name)]).catch((err: unknown) =>
      log.error({ err, app: app.name }, 'removing the deleted app failed'),
    );
  });
  const deps: ControlDeps = {
    config,
    store,
    log,
    redis,
    clock,
    docker,
    envCipher,
    events,
    routes,
    deploy,
    ...operationServices({ config, store, docker, deploy, routes, envCipher, log, events, clock }),
    // Gateways publish every 2 s; reading every second sees each report within a second.
    requests: redis ? new GatewayRequestPoller({ read: () => readGatewayMetrics(redis), events, log, clock, intervalMs: 1000 }) : null,
    tokens: new TokenService(store, jwtKey, clock),
    loginLimiter: new LoginLimiter(redis),
    resetLimiter: new LoginLimiter(redis, RESET_LIMITS, 'password-reset'),
    secondFactors: new SecondFactors(store, secondFactorCipher(envKey), `DeployFlow (${config.domain})`, clock),
  };
  if (deps.requests) {
    const a = config.autoscale;
    deps.autoscaler = new Autoscaler(
      { config, store, docker, deploy, routes, envCipher, log, events, clock, requests: deps.requests },
      {
        intervalMs: a.intervalSeconds * 1000,
        timings: { windowMs: a.windowSeconds * 1000, panicWindowMs: a.panicWindowSeconds * 1000, cooldownMs: a.cooldownSeconds * 1000 },
      },
    );
    events.on('app.deleted', (app) => {
      forgetRecord(store, app.name).catch(() => undefined);
    });
  }
  attachOperationHooks(deps);
  return deps;
}
