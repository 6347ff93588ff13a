// `deployflow doctor`: what must hold on a machine for DeployFlow to work, each check one line —
// OK, WARN (works, with a rough edge) or FAIL — with the fix in the same line. Every probe of the
// machine is injected, so each verdict and its fix is tested without breaking a machine.
import type { Config } from '../common/config/config.js';

export type Status = 'OK' | 'WARN' | 'FAIL';

export interface CheckResult {
  status: Status;
  check: string;
  detail: string;
  /** One line a user can act on; present for WARN and FAIL. */
  fix?: string;
}

export interface Probes {
  /** Addresses the name resolves to on this machine, as every program sees them (getaddrinfo: hosts file, then DNS). */
  lookup(name: string): Promise<string[]>;
  /** Something accepts TCP connections on the port. */
  listening(host: string, port: number): Promise<boolean>;
  /** Whether this user could listen on the port. */
  bindable(host: string, port: number): Promise<'free' | 'in-use' | 'denied'>;
  /** DeployFlow runs (a live supervisor record, or control's health endpoint answers). */
  platformRunning(): Promise<boolean>;
  programInstalled(program: string): boolean;
  dockerVersion(): Promise<{ version: string; apiVersion: string }>;
  redisPing(url: string): Promise<void>;
  /** Free and total bytes of the file system holding the path (or its nearest existing parent). */
  diskSpace(path: string): { free: number; total: number; path: string };
  /** The local CA certificate (PEM) and whether the system trust store holds it; null when not made yet. */
  localCa(): { file: string; trusted: boolean } | null;
}

/** Below this, a build or two fills the disk (images, BuildKit cache, the store). */
export const MIN_FREE_BYTES = 2 * 1024 ** 3;

const HOSTS_DOC = 'README, "Reaching DeployFlow by name"';

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** A URL shown in a report never shows its password. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

async function resolution(config: Config, p: Probes): Promise<CheckResult> {
  const addresses = await p.lookup(config.domain).catch(() => []);
  if (addresses.length > 0) return { status: 'OK', check: 'names', detail: `${config.domain} resolves to ${addresses.join(', ')}` };
  return {
    status: 'FAIL',
    check: 'names',
    detail: `${config.domain} does not resolve on this machine`,
    fix: `run \`make up\` (it keeps ${config.domain} and each app's name in /etc/hosts), or point a resolver at DeployFlow's DNS (${HOSTS_DOC})`,
  };
}

interface PortSpec {
  what: string;
  variable: string;
  port: number;
}

function portSpecs(config: Config): PortSpec[] {
  return [
    { what: 'control', variable: 'CONTROL_PORT', port: config.controlPort },
    { what: 'gateway http', variable: 'GATEWAY_HTTP_PORT', port: config.gatewayHttpPort },
    { what: 'gateway https', variable: 'GATEWAY_HTTPS_PORT', port: config.gatewayHttpsPort },
    { what: 'dns', variable: 'DNS_PORT', port: config.dnsPort },
    { what: 'git http', variable: 'GIT_HTTP_PORT', port: config.gitHttpPort },
    { what: 'git ssh', variable: 'GIT_SSH_PORT', port: config.gitSshPort },
  ].filter((s) => s.port !== 0);
}

async function ports(config: Config, p: Probes): Promise<CheckResult[]> {
  const host = config.bind === '0.0.0.0' || config.bind === '::' ? '127.0.0.1' : config.bind;
  const running = await p.platformRunning();
  const results: CheckResult[] = [];
  for (const spec of portSpecs(config)) {
    const check = `port ${spec.port}`;
    const listening = await p.listening(host, spec.port);
    if (running) {
      results.push(
        listening
          ? { status: 'OK', check, detail: `${spec.what}: listening` }
          : {
              status: 'FAIL',
              check,
              detail: `${spec.what}: nothing listens although DeployFlow runs`,
              fix: 'see the output of `make up` (a process that died is restarted; one that keeps crashing is named there)',
            },
      );
      continue;
    }
    if (listening) {
      results.push({
        status: 'FAIL',
        check,
        detail: `${spec.what}: taken by another program`,
        fix: `stop that program, or set ${spec.variable} to a free port`,
      });
      continue;
    }
    const bind = await p.bindable(host, spec.port);
    if (bind === 'free') results.push({ status: 'OK', check, detail: `${spec.what}: free` });
    else if (bind === 'denied')
      results.push({
        status: 'FAIL',
        check,
        detail: `${spec.what}: this user may not listen on it`,
        fix: `run as root, or set ${spec.variable} above 1023`,
      });
    else
      results.push({
        status: 'FAIL',
        check,
        detail: `${spec.what}: in use`,
        fix: `stop the program using it, or set ${spec.variable} to a free port`,
      });
  }
  return results;
}

async function docker(p: Probes): Promise<CheckResult> {
  try {
    const v = await p.dockerVersion();
    return { status: 'OK', check: 'docker', detail: `Docker ${v.version} answers (API ${v.apiVersion})` };
  } catch (err) {
    if (!p.programInstalled('dockerd') && !p.programInstalled('docker')) {
      return {
        status: 'FAIL',
        check: 'docker',
        detail: 'Docker is not installed',
        fix: 'apt-get install docker.io (`make up` installs it)',
      };
    }
    return {
      status: 'FAIL',
      check: 'docker',
      detail: `Docker does not answer (${(err as Error).message})`,
      fix: 'start it: `systemctl start docker`, or `make up`, which starts containerd and dockerd',
    };
  }
}

async function redis(config: Config, p: Probes): Promise<CheckResult> {
  const url = config.redisUrl ?? 'redis://127.0.0.1:6379';
  const shown = withoutPassword(url);
  try {
    await p.redisPing(url);
    return { status: 'OK', check: 'redis', detail: `Redis answers at ${shown}` };
  } catch (err) {
    if (!config.redisUrl && !p.programInstalled('redis-server')) {
      return {
        status: 'FAIL',
        check: 'redis',
        detail: 'Redis is not installed',
        fix: 'apt-get install redis-server (`make up` installs and starts it)',
      };
    }
    return {
      status: 'FAIL',
      check: 'redis',
      detail: `Redis does not answer at ${shown} (${(err as Error).message})`,
      fix: config.redisUrl
        ? 'start that Redis, or correct REDIS_URL'
        : 'start one: `bash scripts/start-redis.sh` (`make up` does), or set REDIS_URL',
    };
  }
}

function disk(config: Config, p: Probes): CheckResult {
  const { free, total, path } = p.diskSpace(config.dataDir);
  const detail = `${gib(free)} free of ${gib(total)} for ${config.dataDir}${path === config.dataDir ? '' : ` (on ${path})`}`;
  if (free >= MIN_FREE_BYTES) return { status: 'OK', check: 'disk', detail };
  return {
    status: 'FAIL',
    check: 'disk',
    detail: `${detail}: builds need at least ${gib(MIN_FREE_BYTES)}`,
    fix: '`docker system prune` removes unused images and build cache; or lower DEPLOYFLOW_BUILD_CACHE_MB, or move DEPLOYFLOW_DATA_DIR',
  };
}

function ca(p: Probes): CheckResult {
  const local = p.localCa();
  if (!local) {
    return {
      status: 'WARN',
      check: 'local CA',
      detail: 'not made yet (the gateway makes it on its first start)',
      fix: 'run `make up`, then doctor again',
    };
  }
  if (local.trusted) return { status: 'OK', check: 'local CA', detail: `${local.file}, trusted by this machine` };
  return {
    status: 'WARN',
    check: 'local CA',
    detail: `${local.file} is not trusted here: HTTPS to the platform's names shows a warning (HTTP works)`,
    fix: `cp ${local.file} /usr/local/share/ca-certificates/deployflow.crt && update-ca-certificates (browsers: import it)`,
  };
}

export async function runChecks(config: Config, probes: Probes): Promise<CheckResult[]> {
  return [
    await resolution(config, probes),
    ...(await ports(config, probes)),
    await docker(probes),
    await redis(config, probes),
    disk(config, probes),
    ca(probes),
  ];
}

export function formatResult(r: CheckResult): string {
  return `${r.status.padEnd(4)}  ${r.check.padEnd(10)}  ${r.detail}${r.fix ? ` — fix: ${r.fix}` : ''}`;
}
