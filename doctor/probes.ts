// The real probes behind `deployflow doctor`: getaddrinfo (what browsers, git and curl use), TCP
// connects and binds on the configured ports, the Docker API, a Redis PING, statfs of the data
// dir, and the system trust store (Debian's bundle) for the local CA.
import { X509Certificate } from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import type { Config } from '../common/config/config.js';
import { gatewayOptions } from '../gateway/options/options.js';
import { readRecord, runDir, stillRuns } from '../supervisor/run-dir.js';
import type { Probes } from './checks.js';

const TIMEOUT_MS = 3000;
/** Debian's bundle of every trusted root (update-ca-certificates writes it). */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function bindable(host: string, port: number): Promise<'free' | 'in-use' | 'denied'> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EACCES' ? 'denied' : 'in-use'));
    server.listen(port, host, () => server.close(() => resolve('free')));
  });
}

function programInstalled(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

async function redisPing(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), 'Redis');
    await withTimeout(client.ping(), 'Redis');
  } finally {
    client.disconnect();
  }
}

function diskSpace(dir: string): { free: number; total: number; path: string } {
  let at = dir;
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const s = fs.statfsSync(at);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize, path: at };
}

/** PEM blocks of a bundle file, as fingerprints. */
function bundleFingerprints(file: string): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    try {
      out.add(new X509Certificate(pem).fingerprint256);
    } catch {
      /* a broken block is not a trusted root */
    }
  }
  return out;
}

export function realProbes(config: Config): Probes {
  const controlHost = config.bind === '0.0.0.0' || config.bind === '::' ? '127.0.0.1' : config.bind;
  return {
    lookup: async (name) => (await withTimeout(dns.promises.lookup(name, { all: true }), `looking up ${name}`)).map((a) => a.address),
    listening,
    bindable,
    async platformRunning() {
      const supervisor = readRecord(runDir(config.dataDir), 'supervisor');
      if (supervisor && stillRuns(supervisor)) return true;
      if (config.controlPort === 0) return false;
      try {
        const res = await fetch(`http://${controlHost.includes(':') ? `[${controlHost}]` : controlHost}:${config.controlPort}/health`, {
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        return res.headers.get('content-type')?.includes('json') === true && 'status' in ((await res.json()) as object);
      } catch {
        return false;
      }
    },
    programInstalled,
    async dockerVersion() {
      const v = await withTimeout(new Docker().version(), 'Docker');
      return { version: v.Version, apiVersion: v.ApiVersion };
    },
    redisPing,
    diskSpace,
    localCa() {
      const file = path.join(gatewayOptions(config).tlsDir, 'ca.crt');
      let pem: string;
      try {
        pem = fs.readFileSync(file, 'utf8');
      } catch {
        return null;
      }
      let fingerprint = '';
      try {
        fingerprint = new X509Certificate(pem).fingerprint256;
      } catch {
        return { file, trusted: false };
      }
      return { file, trusted: bundleFingerprints(SYSTEM_BUNDLE).has(fingerprint) };
    },
  };
}
