// Configuration comes only from environment variables. Every variable is parsed
// and validated at start; the first bad one stops the start with one line naming it.
import path from 'node:path';
import { parseDomain, type Domain } from '../names/validate.js';

export interface GoogleConfig {
  clientId: string;
  clientSecret: string;
  /** Overridable so the whole OAuth flow can be tested against a local provider. */
  authorizationURL: string;
  tokenURL: string;
  userProfileURL: string;
  callbackURL: string;
}

export interface Config {
  domain: Domain;
  /** Custom domains: `on` = a TXT record proves control before a domain is routed; `off` only for closed platforms and tests. */
  domainVerification: 'on' | 'off';
  /** Resolver (ip or ip:port) asked for verification TXT records; unset: the system's resolvers. */
  domainVerificationResolver: string | undefined;
  dataDir: string;
  mongodbUrl: string | undefined;
  /**
   * `on` lets a second control start on the same embedded SQLite file (one machine). Only for
   * tests of several control instances, which cannot run MongoDB here; never in production.
   */
  testSharedSqlite: 'off' | 'on';
  redisUrl: string | undefined;
  bind: string;
  controlPort: number;
  gatewayHttpPort: number;
  gatewayHttpsPort: number;
  dnsPort: number;
  gitSshPort: number;
  gitHttpPort: number;
  /** Where browsers reach control: the OAuth callback and the URLs the API prints are built on it. */
  publicUrl: string;
  images: { node: string; static: string; python: string; go: string };
  /** `buildkit` (default, the classic builder when the engine refuses it) or `legacy` (the classic builder). */
  builder: 'buildkit' | 'legacy';
  /** Limits of one build (`concurrency` builds at once); `isolation: 'off'` runs builds unconfined (an engine DeployFlow cannot manage). */
  build: {
    memoryMb: number;
    cpus: number;
    pids: number;
    contextMb: number;
    imageMb: number;
    diskMb: number;
    timeoutSeconds: number;
    /** Builds at once per DeployFlow instance (pushes of one app build at once too; their routes switch in push order). */
    concurrency: number;
    isolation: 'on' | 'off';
    /** Most one app's own BuildKit cache records may weigh (MB); its least recently used are pruned past it. */
    appCacheMb: number;
  };
  google: GoogleConfig | undefined;
  jwtSecret: string | undefined;
  encryptionKey: string | undefined;
  appQuotaPerUser: number;
  /** How long each new replica has to pass its health check before the deploy fails. */
  healthTimeoutSeconds: number;
  /** How long old containers keep serving after the route switch. */
  drainSeconds: number;
  /** Per-user limits over the apps a user owns (admins exempt): total replicas and replicas × memory. */
  replicaQuota: number;
  memoryQuotaMb: number;
  /** Images kept per app after a release (beyond those a container or the rollback target uses). */
  keepImages: number;
  /** BuildKit's layer cache is trimmed to this many MB after each release (least recently used first). */
  buildCacheMb: number;
  /** Docker stats sampling period (0: off) and reconciler period (0: only at start). */
  metricsIntervalSeconds: number;
  reconcileIntervalSeconds: number;
  /** Request-driven autoscaling: how often it decides (0: off), and its windows (control/autoscale). */
  autoscale: { intervalSeconds: number; windowSeconds: number; panicWindowSeconds: number; cooldownSeconds: number };
  /** After a failed wake, requests to the sleeping app get 503 for this long before the next attempt. */
  wakeBackoffSeconds: number;
  /** Where apps run (control/app-runtime): one engine's containers, Swarm services, or Swarm when the engine is a manager. */
  runtime: 'docker' | 'swarm' | 'auto';
  /** Registry (`host[:port][/path]`) images are pushed to so other Swarm nodes can pull them; unset: single node. */
  registry: string | undefined;
  logLevel: string;
  /** Outgoing e-mail for notifications (`smtp://user:pass@host:port` or `smtps://…`); unset: no e-mail. */
  smtpUrl: string | undefined;
  smtpFrom: string;
  /** Certificates for custom domains from an ACME CA (HTTP-01). */
  acme: AcmeConfig;
}

export interface AcmeConfig {
  /** The CA's directory (Let's Encrypt production unless set; a private CA such as step-ca works too). */
  directoryUrl: string;
  /** Contact address given to the CA for expiry notices; optional. */
  email: string | undefined;
  /** A PEM file of extra roots to trust for the CA's own HTTPS (a private ACME CA); unset: the usual roots. */
  caFile: string | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`DF_ERR_CONFIG: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) > 65535) throw new ConfigError(name, `must be a port number 0-65535, got "${raw}"`);
  return Number(raw);
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  return Number(raw);
}

function autoscaleConfig(env: Env): Config['autoscale'] {
  const a = {
    intervalSeconds: positiveInt(env, 'DEPLOYFLOW_AUTOSCALE_INTERVAL_SECONDS', 2),
    windowSeconds: positiveInt(env, 'DEPLOYFLOW_AUTOSCALE_WINDOW_SECONDS', 60),
    panicWindowSeconds: positiveInt(env, 'DEPLOYFLOW_AUTOSCALE_PANIC_WINDOW_SECONDS', 6),
    cooldownSeconds: positiveInt(env, 'DEPLOYFLOW_AUTOSCALE_COOLDOWN_SECONDS', 30),
  };
  if (a.panicWindowSeconds < 1 || a.panicWindowSeconds > a.windowSeconds) {
    throw new ConfigError(
      'DEPLOYFLOW_AUTOSCALE_PANIC_WINDOW_SECONDS',
      `must be between 1 and DEPLOYFLOW_AUTOSCALE_WINDOW_SECONDS (${a.windowSeconds})`,
    );
  }
  return a;
}

function atLeast(env: Env, name: string, fallback: number, min: number): number {
  const value = positiveInt(env, name, fallback);
  if (value < min) throw new ConfigError(name, `must be at least ${min}, got ${value}`);
  return value;
}

function url(env: Env, name: string, schemes: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!schemes.includes(parsed.protocol)) throw new ConfigError(name, `must use ${schemes.join(' or ')}, got "${parsed.protocol}"`);
  return raw;
}

function choice<T extends string>(env: Env, name: string, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return allowed[0]!;
  const found = allowed.find((a) => a === raw);
  if (found === undefined) throw new ConfigError(name, `must be ${allowed.map((a) => `"${a}"`).join(' or ')}, got "${raw}"`);
  return found;
}

function text(env: Env, name: string, fallback: string, pattern?: RegExp): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (pattern && !pattern.test(raw)) throw new ConfigError(name, `has an invalid value "${raw}"`);
  return raw;
}

const IMAGE = /^[a-z0-9][a-z0-9._\-/:@]*$/;
const BIND = /^[0-9a-fA-F:.]+$/;

function google(env: Env, publicUrl: string): GoogleConfig | undefined {
  const clientId = env.GOOGLE_CLIENT_ID;
  const clientSecret = env.GOOGLE_CLIENT_SECRET;
  if (!clientId && !clientSecret) return undefined;
  if (!clientId) throw new ConfigError('GOOGLE_CLIENT_ID', 'must be set when GOOGLE_CLIENT_SECRET is');
  if (!clientSecret) throw new ConfigError('GOOGLE_CLIENT_SECRET', 'must be set when GOOGLE_CLIENT_ID is');
  const https = ['https:', 'http:'];
  return {
    clientId,
    clientSecret,
    authorizationURL: url(env, 'GOOGLE_AUTH_URL', https) ?? 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenURL: url(env, 'GOOGLE_TOKEN_URL', https) ?? 'https://www.googleapis.com/oauth2/v4/token',
    userProfileURL: url(env, 'GOOGLE_USERINFO_URL', https) ?? 'https://www.googleapis.com/oauth2/v3/userinfo',
    callbackURL: url(env, 'GOOGLE_CALLBACK_URL', https) ?? `${publicUrl}/api/v1/auth/google/callback`,
  };
}

export function loadConfig(env: Env = process.env): Config {
  let domain: Domain;
  try {
    domain = parseDomain(env.DEPLOYFLOW_DOMAIN || 'paas.local');
  } catch {
    throw new ConfigError('DEPLOYFLOW_DOMAIN', `is not a valid domain name: "${env.DEPLOYFLOW_DOMAIN}"`);
  }
  const controlPort = port(env, 'CONTROL_PORT', 5000);
  const gatewayHttpPort = port(env, 'GATEWAY_HTTP_PORT', 80);
  // By default browsers reach the dashboard through the gateway on the domain apex.
  const apexUrl = `http://${domain}${gatewayHttpPort === 80 ? '' : `:${gatewayHttpPort}`}`;
  const publicUrl = (url(env, 'DEPLOYFLOW_PUBLIC_URL', ['http:', 'https:']) ?? apexUrl).replace(/\/+$/, '');
  const jwtSecret = env.DEPLOYFLOW_JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 32) throw new ConfigError('DEPLOYFLOW_JWT_SECRET', 'must be at least 32 characters');
  const encryptionKey = env.DEPLOYFLOW_ENCRYPTION_KEY || undefined;
  if (encryptionKey !== undefined && !/^[0-9a-fA-F]{64}$/.test(encryptionKey)) {
    throw new ConfigError('DEPLOYFLOW_ENCRYPTION_KEY', 'must be 64 hex characters (a 256-bit key)');
  }
  return {
    domain,
    dataDir: path.resolve(text(env, 'DEPLOYFLOW_DATA_DIR', './data')),
    mongodbUrl: url(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']),
    testSharedSqlite: choice(env, 'DEPLOYFLOW_TEST_SHARED_SQLITE', ['off', 'on'] as const),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    bind: text(env, 'DEPLOYFLOW_BIND', '0.0.0.0', BIND),
    controlPort,
    gatewayHttpPort,
    gatewayHttpsPort: port(env, 'GATEWAY_HTTPS_PORT', 443),
    dnsPort: port(env, 'DNS_PORT', 53),
    gitSshPort: port(env, 'GIT_SSH_PORT', 2222),
    gitHttpPort: port(env, 'GIT_HTTP_PORT', 5001),
    publicUrl,
    builder: choice(env, 'DEPLOYFLOW_BUILDER', ['buildkit', 'legacy'] as const),
    domainVerification: choice(env, 'DEPLOYFLOW_DOMAIN_VERIFICATION', ['on', 'off'] as const),
    domainVerificationResolver: env.DEPLOYFLOW_DOMAIN_RESOLVER
      ? text(env, 'DEPLOYFLOW_DOMAIN_RESOLVER', '', /^(?:[0-9.]+|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/)
      : undefined,
    build: {
      memoryMb: atLeast(env, 'DEPLOYFLOW_BUILD_MEMORY_MB', 2048, 16),
      cpus: Number(text(env, 'DEPLOYFLOW_BUILD_CPUS', '1', /^(?:[1-9][0-9]*(?:\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*)$/)),
      pids: atLeast(env, 'DEPLOYFLOW_BUILD_PIDS', 1024, 16),
      contextMb: atLeast(env, 'DEPLOYFLOW_BUILD_CONTEXT_MB', 1024, 1),
      imageMb: atLeast(env, 'DEPLOYFLOW_BUILD_IMAGE_MB', 4096, 1),
      diskMb: atLeast(env, 'DEPLOYFLOW_BUILD_DISK_MB', 10_240, 16),
      timeoutSeconds: atLeast(env, 'DEPLOYFLOW_BUILD_TIMEOUT_SECONDS', 600, 1),
      concurrency: atLeast(env, 'DEPLOYFLOW_BUILD_CONCURRENCY', 2, 1),
      isolation: choice(env, 'DEPLOYFLOW_BUILD_ISOLATION', ['on', 'off'] as const),
      appCacheMb: positiveInt(env, 'DEPLOYFLOW_BUILD_CACHE_APP_MB', 2048),
    },
    images: {
      node: text(env, 'DEPLOYFLOW_IMAGE_NODE', 'node:20-alpine', IMAGE),
      static: text(env, 'DEPLOYFLOW_IMAGE_STATIC', 'nginx:alpine', IMAGE),
      python: text(env, 'DEPLOYFLOW_IMAGE_PYTHON', 'python:3.12-slim', IMAGE),
      go: text(env, 'DEPLOYFLOW_IMAGE_GO', 'golang:1.22-alpine', IMAGE),
    },
    google: google(env, publicUrl),
    jwtSecret,
    encryptionKey,
    appQuotaPerUser: positiveInt(env, 'DEPLOYFLOW_APP_QUOTA', 50),
    healthTimeoutSeconds: positiveInt(env, 'DEPLOYFLOW_HEALTH_TIMEOUT_SECONDS', 60),
    drainSeconds: positiveInt(env, 'DEPLOYFLOW_DRAIN_SECONDS', 5),
    replicaQuota: positiveInt(env, 'DEPLOYFLOW_REPLICA_QUOTA', 20),
    memoryQuotaMb: positiveInt(env, 'DEPLOYFLOW_MEMORY_QUOTA_MB', 8192),
    keepImages: positiveInt(env, 'DEPLOYFLOW_KEEP_IMAGES', 5),
    buildCacheMb: positiveInt(env, 'DEPLOYFLOW_BUILD_CACHE_MB', 10_240),
    metricsIntervalSeconds: positiveInt(env, 'DEPLOYFLOW_METRICS_INTERVAL_SECONDS', 5),
    reconcileIntervalSeconds: positiveInt(env, 'DEPLOYFLOW_RECONCILE_INTERVAL_SECONDS', 30),
    autoscale: autoscaleConfig(env),
    wakeBackoffSeconds: positiveInt(env, 'DEPLOYFLOW_WAKE_BACKOFF_SECONDS', 30),
    runtime: choice(env, 'DEPLOYFLOW_RUNTIME', ['docker', 'swarm', 'auto'] as const),
    registry: env.DEPLOYFLOW_REGISTRY
      ? text(env, 'DEPLOYFLOW_REGISTRY', '', /^[a-z0-9.-]{1,253}(?::[0-9]{1,5})?(?:\/[a-z0-9._-]{1,64}){0,4}$/)
      : undefined,
    logLevel: text(env, 'DEPLOYFLOW_LOG_LEVEL', 'info', /^(fatal|error|warn|info|debug|trace|silent)$/),
    smtpUrl: url(env, 'DEPLOYFLOW_SMTP_URL', ['smtp:', 'smtps:']),
    smtpFrom: text(env, 'DEPLOYFLOW_SMTP_FROM', `DeployFlow <deployflow@${domain}>`, /^[^\r\n]{3,200}$/),
    acme: {
      directoryUrl: url(env, 'DEPLOYFLOW_ACME_DIRECTORY', ['https:']) ?? 'https://acme-v02.api.letsencrypt.org/directory',
      email: env.DEPLOYFLOW_ACME_EMAIL ? text(env, 'DEPLOYFLOW_ACME_EMAIL', '', /^[^\s@<>]{1,64}@[^\s@<>]{1,253}$/) : undefined,
      caFile: env.DEPLOYFLOW_ACME_CA_FILE ? text(env, 'DEPLOYFLOW_ACME_CA_FILE', '', /^\/[^\0]{1,1000}$/) : undefined,
    },
  };
}
