// Everything control's handlers need, passed in (never reached through globals) so tests can
// build a control instance around a temp store, a private Redis and a fake clock.
import type Docker from 'dockerode';
import type { Redis } from 'ioredis';
import type { Config } from '../../common/config/config.js';
import type { Logger } from '../../common/log/logger.js';
import type { Store } from '../store/types.js';
import type { EnvCipher } from '../env/cipher.js';
import type { TokenService } from '../auth/tokens.js';
import type { LoginLimiter } from '../auth/rate-limit.js';
import type { SecondFactors } from '../accounts/second-factor.js';
import type { DeployEngine } from '../deploy/engine.js';
import type { RoutePublisher } from '../../common/routes/index.js';
import type { MetricsSampler } from '../runtime/sampler.js';
import type { Reconciler } from '../reconciler/reconciler.js';
import type { GatewayRequestPoller } from '../runtime/request-poller.js';
import type { Autoscaler } from '../autoscale/autoscaler.js';
import type { ControlEventBus } from './events.js';

export interface ControlDeps {
  config: Config;
  store: Store;
  log: Logger;
  redis: Redis | null;
  docker: Docker | null;
  envCipher: EnvCipher;
  tokens: TokenService;
  loginLimiter: LoginLimiter;
  /** Password-reset requests, counted apart from sign-ins (per e-mail and per address). */
  resetLimiter: LoginLimiter;
  /** TOTP second factors and recovery codes. */
  secondFactors: SecondFactors;
  /** In-process events between control's parts; every name and payload is in ./events.ts. */
  events: ControlEventBus;
  clock: () => number;
  /** The deploy pipeline; null when no Docker Engine is reachable at start. */
  deploy: DeployEngine | null;
  /** The route table publisher; null when REDIS_URL is not set. */
  routes: RoutePublisher | null;
  /** Docker stats history per app (`app.metrics` events); null without Docker. */
  metrics: MetricsSampler | null;
  /** Gateway request rate and latency per app (`app.requests` events); null without Redis. */
  requests: GatewayRequestPoller | null;
  /** Store-vs-Docker convergence, started and stopped with control; null without Docker. */
  reconciler: Reconciler | null;
  /** Request-driven autoscaling; null without Docker or Redis (it needs the gateways' figures). */
  autoscaler?: Autoscaler | null;
}
