// Test harness for the gateway and dns: loopback upstreams that say who they are, a config on
// free ports in a temp data dir, and a small HTTP client that can send any Host header.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../common/config/config.js';
import { freePort } from '../../test/support/ports.js';

export interface Upstream {
  port: number;
  name: string;
  /** Requests seen, with the headers as received. */
  seen: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * Answers `<name> <method> <url>` (and echoes a POST body), `/slow?ms=N` after N ms, and
 * WebSocket upgrades with a proper handshake followed by echoing every byte back.
 */
export async function startUpstream(name: string, port = 0): Promise<Upstream> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (): void => {
        const body = `${name} ${req.method} ${req.url}${chunks.length ? ` ${Buffer.concat(chunks).toString()}` : ''}`;
        res.writeHead(200, {
          'content-type': 'text/plain',
          'x-upstream': name,
          'keep-alive': 'timeout=5',
          'x-hop': 'drop-me',
          connection: 'x-hop',
        });
        res.end(body);
      };
      const slow = /^\/slow\?ms=([0-9]+)$/.exec(req.url ?? '');
      if (slow) setTimeout(reply, Math.min(Number(slow[1]), 5000));
      else reply();
    });
  });
  const tunnels = new Set<Socket>();
  server.on('upgrade', (req, socket: Socket) => {
    seen.push(req.headers);
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Upstream: ${name}\r\n\r\n`,
    );
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => socket.destroy());
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    name,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const t of tunnels) t.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Runs `start` with `settings` in process.env and puts the old values back after: the gateway reads
 * its GATEWAY_* settings (engine, wake bounds, access log) from process.env when it starts, while
 * gatewayConfig's `extra` reaches only loadConfig — passed there, GATEWAY_ENGINE changes nothing.
 */
export async function withGatewayEnv<T>(settings: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  try {
    return await start();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export async function gatewayConfig(redisUrl: string, extra: Record<string, string> = {}): Promise<Config> {
  return loadConfig({
    DEPLOYFLOW_DOMAIN: 'paas.local',
    DEPLOYFLOW_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'df-gw-')),
    DEPLOYFLOW_BIND: '127.0.0.1',
    REDIS_URL: redisUrl,
    GATEWAY_HTTP_PORT: String(await freePort()),
    GATEWAY_HTTPS_PORT: String(await freePort()),
    DNS_PORT: String(await freePort()),
    CONTROL_PORT: String(await freePort()),
    ...extra,
  });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export function request(
  port: number,
  host: string,
  p = '/',
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: p, method: init.method ?? 'GET', agent, headers: { host, ...init.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Resolves when `pred` holds; bounded in time so a broken component fails instead of hanging. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
