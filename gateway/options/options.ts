// Gateway-only tuning, read from GATEWAY_* variables next to the shared Config. Defaults follow
// nginx's where nginx has one (60 s upstream timeouts, header limits) so moving over is unsurprising.
import os from 'node:os';
import path from 'node:path';
import { ConfigError, type Config } from '../../common/config/config.js';
import { pluginModulePaths } from '../../common/plugins/modules.js';

export interface GatewayOptions {
  /** Largest request body accepted (bytes); larger → 413. */
  maxBodyBytes: number;
  /** Largest request head (request line + headers, bytes); larger → 431. */
  maxHeaderBytes: number;
  /** Time allowed to receive the whole request head (ms). */
  headersTimeoutMs: number;
  /** Idle keep-alive time between client requests (ms). */
  idleTimeoutMs: number;
  /** Time the upstream has to send its response head, and between body chunks (ms). */
  upstreamTimeoutMs: number;
  /** Keep-alive connections kept per upstream. */
  upstreamConnections: number;
  /** How long a refusing upstream is skipped (ms). */
  passiveDownMs: number;
  /** Active health check period (ms); 0 turns it off. */
  healthIntervalMs: number;
  /** How long shutdown waits for open requests (ms). */
  drainMs: number;
  /** How long a request for a sleeping app is held while it wakes (ms). */
  wakeTimeoutMs: number;
  /** Requests held per sleeping app at most; beyond it 503 with Retry-After at once. */
  wakeQueue: number;
  /** 'off', 'stdout', or a file path for the JSON access log. */
  accessLog: string;
  /** Worker processes (cluster mode); 1 = serve in this process; GATEWAY_WORKERS=auto = one per core. */
  workers: number;
  tlsDir: string;
  /** 'fast': llhttp on raw sockets (fast/); 'http': node:http server + undici (http/). */
  engine: 'fast' | 'http';
  /** GATEWAY_PLUGINS: operators' plugin modules (absolute paths), loaded at start. */
  pluginModules: string[];
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min) throw new ConfigError(name, `must be a whole number ≥ ${min}, got "${raw}"`);
  return Number(raw);
}

function engine(raw: string | undefined): 'fast' | 'http' {
  if (raw === undefined || raw === '' || raw === 'fast') return 'fast';
  if (raw === 'http') return 'http';
  throw new ConfigError('GATEWAY_ENGINE', `must be "fast" or "http", got "${raw}"`);
}

export function gatewayOptions(config: Config, env: Env = process.env): GatewayOptions {
  return {
    maxBodyBytes: int(env, 'GATEWAY_MAX_BODY_MB', 100) * 1024 * 1024,
    maxHeaderBytes: int(env, 'GATEWAY_MAX_HEADER_KB', 16, 1) * 1024,
    headersTimeoutMs: int(env, 'GATEWAY_HEADERS_TIMEOUT_MS', 20_000, 100),
    idleTimeoutMs: int(env, 'GATEWAY_IDLE_TIMEOUT_MS', 65_000, 100),
    upstreamTimeoutMs: int(env, 'GATEWAY_UPSTREAM_TIMEOUT_MS', 60_000, 100),
    upstreamConnections: int(env, 'GATEWAY_UPSTREAM_CONNECTIONS', 128, 1),
    passiveDownMs: int(env, 'GATEWAY_PASSIVE_DOWN_MS', 10_000),
    healthIntervalMs: int(env, 'GATEWAY_HEALTH_INTERVAL_MS', 5_000),
    drainMs: int(env, 'GATEWAY_DRAIN_MS', 10_000),
    wakeTimeoutMs: int(env, 'GATEWAY_WAKE_TIMEOUT_MS', 30_000),
    wakeQueue: int(env, 'GATEWAY_WAKE_QUEUE', 1000, 1),
    accessLog: env.GATEWAY_ACCESS_LOG || path.join(config.dataDir, 'logs', 'gateway-access.log'),
    workers: env.GATEWAY_WORKERS === 'auto' ? os.availableParallelism() : int(env, 'GATEWAY_WORKERS', 1, 1),
    tlsDir: path.join(config.dataDir, 'tls'),
    engine: engine(env.GATEWAY_ENGINE),
    pluginModules: pluginModulePaths(env),
  };
}
