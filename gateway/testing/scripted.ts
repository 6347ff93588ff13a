// Byte-level test support for the gateway: a gateway on a private Redis (fast engine unless told),
// raw TCP apps that answer each request with exactly the bytes a test scripts (behind a route of
// their own, so each has its own upstream pool), and a raw client that returns every byte the
// gateway sent until it closed the connection.
import net from 'node:net';
import { Redis } from 'ioredis';
import type { Config } from '../../common/config/config.js';
import { createLogger } from '../../common/log/logger.js';
import { createRoutePublisher, type RoutePublisher } from '../../common/routes/index.js';
import type { RunningService } from '../../common/service.js';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { startGateway } from '../index.js';
import { gatewayConfig, request, until } from './harness.js';

export interface UpstreamSocket {
  socket: net.Socket;
  /** Everything received, latin1. */
  bytes: string;
  closed: boolean;
}

/** A request as the scripted app parsed it. */
export interface SeenRequest {
  line: string;
  head: string;
  body: string;
  conn: UpstreamSocket;
}

/** The bytes to answer with (written at once; '' for the echo), or null: it answers later itself. */
export type Responder = (req: SeenRequest) => string | null;

export interface ScriptedApp {
  host: string;
  /** Sockets the gateway opened to it, in order. */
  conns: UpstreamSocket[];
  /** Requests after the route check, in order. */
  requests: SeenRequest[];
}

interface Parsed {
  line: string;
  head: string;
  body: string;
}

/** The complete requests at the start of `buf` (bodies with a length or chunked), and the rest. */
function takeRequests(buf: string): { reqs: Parsed[]; rest: string } {
  const reqs: Parsed[] = [];
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) break;
    const head = buf.slice(0, end);
    let at = end + 4;
    let body = '';
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      let complete = false;
      for (;;) {
        const le = buf.indexOf('\r\n', at);
        if (le === -1) break;
        const size = parseInt(buf.slice(at, le), 16);
        if (size === 0) {
          const te = buf.indexOf('\r\n\r\n', le - 2);
          if (te === -1) break;
          at = te + 4;
          complete = true;
          break;
        }
        if (buf.length < le + 2 + size + 2) break;
        body += buf.slice(le + 2, le + 2 + size);
        at = le + 2 + size + 2;
      }
      if (!complete) break;
    } else if (length) {
      if (buf.length < at + Number(length[1])) break;
      body = buf.slice(at, at + Number(length[1]));
      at += body.length;
    }
    reqs.push({ line: head.slice(0, head.indexOf('\r\n')), head, body });
    buf = buf.slice(at);
  }
  return { reqs, rest: buf };
}

/** The app's answer to `req`: `echo:<request line>` with a Content-Length. */
export const echo = (req: { line: string }): string => `HTTP/1.1 200 OK\r\nContent-Length: ${5 + req.line.length}\r\n\r\necho:${req.line}`;

/** The echo of `line` as the client gets it (date taken out; `connection: close` when it closes). */
export const echoed = (line: string, close = true): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${5 + line.length}\r\n${close ? 'connection: close\r\n' : ''}\r\necho:${line}`;

/** The response bytes with the gateway's date header taken out (it changes every second). */
export const undated = (s: string): string => s.replace(/\r\ndate: [^\r]*/gi, '');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Received {
  data: string;
  ms: number;
}

export interface ByteGateway {
  port: number;
  /** A raw TCP app behind its own route `host` (a name under paas.local), answering with `respond`. */
  app(host: string, respond: Responder): Promise<ScriptedApp>;
  /** Sends `data` on a new connection; everything received (date-less) once the gateway closes it. */
  exchange(data: string, ms?: number): Promise<Received>;
  stop(): Promise<void>;
}

/** A gateway started with `env` set (GATEWAY_* options), on a Redis of its own. */
export async function startByteGateway(env: Record<string, string> = {}): Promise<ByteGateway> {
  const redis: TestRedis = await startRedis();
  const client = new Redis(redis.url);
  const pub: RoutePublisher = createRoutePublisher(client);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, { GATEWAY_ENGINE: 'fast', ...env });
  let config: Config;
  let gateway: RunningService;
  try {
    config = await gatewayConfig(redis.url);
    gateway = await startGateway(config, createLogger('gateway', 'silent'));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (!('GATEWAY_ENGINE' in env)) delete process.env.GATEWAY_ENGINE;
  }
  const port = config.gatewayHttpPort;
  const servers: { server: net.Server; conns: UpstreamSocket[] }[] = [];

  const app = async (host: string, respond: Responder): Promise<ScriptedApp> => {
    const conns: UpstreamSocket[] = [];
    const requests: SeenRequest[] = [];
    let ready = false;
    const server = net.createServer((socket) => {
      const conn: UpstreamSocket = { socket, bytes: '', closed: false };
      conns.push(conn);
      let pending = '';
      socket.on('data', (d: Buffer) => {
        conn.bytes += d.toString('latin1');
        const { reqs, rest } = takeRequests(pending + d.toString('latin1'));
        pending = rest;
        for (const r of reqs) {
          if (!ready) {
            socket.write(echo(r));
            continue;
          } // the route check
          const seen = { ...r, conn };
          requests.push(seen);
          const out = respond(seen);
          if (out !== null) socket.write(out === '' ? echo(r) : out, 'latin1');
        }
      });
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        conn.closed = true;
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push({ server, conns });
    await pub.setAppRoutes(host.split('.')[0]!, [host], [{ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }]);
    await until(async () => (await request(port, host, '/ready')).status === 200, `route ${host}`);
    ready = true;
    return { host, conns, requests };
  };

  const exchange = (data: string, ms = 5000): Promise<Received> =>
    new Promise((resolve, reject) => {
      const t0 = Date.now();
      const socket = net.connect(port, '127.0.0.1');
      let out = '';
      socket.setTimeout(ms, () => socket.destroy());
      socket.on('data', (d: Buffer) => {
        out += d.toString('latin1');
      });
      socket.on('close', () => resolve({ data: undated(out), ms: Date.now() - t0 }));
      socket.on('error', reject);
      socket.write(data, 'latin1');
    });

  const stop = async (): Promise<void> => {
    await gateway.stop();
    for (const s of servers) {
      for (const c of s.conns) c.socket.destroy();
      s.server.close();
    }
    client.disconnect();
    await redis.stop();
  };

  return { port, app, exchange, stop };
}
