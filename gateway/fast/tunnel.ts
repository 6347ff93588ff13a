// WebSocket pass-through for the fast engine (and, through splice(), for the http engine too):
// after the same Host routing and replica choice as plain requests, the head is re-sent with the
// same hop-by-hop filtering and fresh forwarding headers. The two sockets are only piped once the
// upstream has answered 101 with a valid Sec-WebSocket-Accept; any other answer is passed to the
// client once, with `Connection: close`, and both sides are closed, so bytes the client sends
// later can never reach the upstream without being parsed and rewritten here.
//
// Only `Upgrade: websocket` is tunnelled. Any other upgrade (h2c above all, which would let a
// client talk HTTP/2 straight to the app past the gateway) is proxied as a plain request with
// Upgrade, HTTP2-Settings and Connection dropped, as nginx does when it is not configured to pass
// Upgrade on; the connection closes after that answer. Upgrade requests with a body are refused
// (400): the body would be taken for tunnel bytes by the upstream.
// A WebSocket to a sleeping app is held like a plain request (waking/hold.ts) and tunnelled to the
// woken replicas, or answered 503 with Retry-After when the wake fails or the wait runs out.
// Open tunnels are tracked so shutdown can close them last.
import { createHash } from 'node:crypto';
import net, { type Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { Backend } from '../balancing/backends.js';
import { pick } from '../balancing/pick.js';
import type { GatewayCore } from '../core.js';
import { filterResponseHeaders, forwardRequestHeaders } from '../shared/headers.js';
import { nextRequestId } from '../shared/ids.js';
import { normaliseHost } from '../routing/host.js';
import { fastEntry } from './entry.js';
import { closeParser, createParser, HTTPParser, type ParseError } from './parser.js';
import type { FastRequest } from './request.js';
import type { CompiledRoute } from '../routing/index-table.js';
import { wakeRefusalResponse } from '../waking/hold.js';
import { pageResponse, requestHead } from './wire.js';
import { upgradeGate } from '../plugins/upgrades.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a real WebSocket server answers to `key` (RFC 6455 §4.2.2). */
export function websocketAccept(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

/** The request head sent upstream for a WebSocket upgrade: hop-by-hop fields dropped as for any request. */
export function upgradeRequestHead(method: string, url: string, headers: string[]): string {
  return requestHead(method, url, [...headers, 'connection', 'Upgrade', 'upgrade', 'websocket'], false);
}

/** `name: value` lines of a response's fields, hop-by-hop ones dropped. */
function responseFields(raw: string[]): string {
  const kept = filterResponseHeaders(raw);
  let lines = '';
  for (let i = 0; i < kept.length; i += 2) lines += `${kept[i]}: ${kept[i + 1]}\r\n`;
  return lines;
}

export interface Splice {
  /** The client socket, paused, with nothing of it read past the request head but `head`. */
  client: Socket;
  /** Client bytes after the request head (tunnel data): sent upstream only after the 101. */
  head: Buffer;
  /** The full request head for the upstream (upgradeRequestHead). */
  request: string;
  /** The client's Sec-WebSocket-Key, to check the upstream's Sec-WebSocket-Accept. */
  key: string;
  backend: Backend;
  core: GatewayCore;
  /** A whole error response for the client (closes the connection). */
  page(status: number): string | Buffer;
  /** Called once, when the client socket has closed. */
  closed(): void;
}

/**
 * Connects to the upstream, sends the upgrade request and reads its answer with llhttp. A 101 that
 * switches to websocket with the right accept value opens the tunnel; anything else is relayed once
 * (or answered with a gateway page) and both sockets are closed.
 */
export function splice(s: Splice): void {
  const { client, backend, core } = s;
  const upstream = net.connect({ host: backend.host, port: backend.port, noDelay: true });
  backend.inflight++;
  // connecting → waiting (request sent) → open (tunnel) | relaying (a non-101 answer) | failed
  let state: 'connecting' | 'waiting' | 'switching' | 'open' | 'relaying' | 'failed' = 'connecting';
  let switched = '';

  const fail = (status: number): void => {
    if (state === 'relaying' || state === 'open') {
      client.destroy();
      upstream.destroy();
      return;
    }
    state = 'failed';
    upstream.destroy();
    if (client.writable) {
      const page = s.page(status);
      if (typeof page === 'string') client.end(page, 'latin1');
      else client.end(page);
    } else client.destroy();
  };

  const parser = createParser(HTTPParser.RESPONSE, core.options.maxHeaderBytes, {
    head: (_major, _minor, raw, _method, _url, status, statusText) => {
      if (state !== 'waiting') return 0;
      const headers = raw ?? [];
      if (status === 101) {
        if (!switchesToWebsocket(headers, s.key)) {
          fail(502);
          return 0;
        }
        state = 'switching';
        switched = `HTTP/1.1 101 Switching Protocols\r\n${responseFields(headers)}connection: Upgrade\r\nupgrade: websocket\r\n\r\n`;
        return 2;
      }
      if (status < 200) return 0; // an interim answer (100, 103): skipped
      // A final answer instead of a switch: relayed once, de-chunked and ended by closing.
      state = 'relaying';
      client.write(
        `HTTP/1.1 ${status} ${statusText || STATUS_CODES[status] || 'Unknown'}\r\n${responseFields(headers)}connection: close\r\n\r\n`,
        'latin1',
      );
      return 0;
    },
    body: (chunk) => {
      if (state === 'relaying') client.write(chunk);
    },
    complete: () => {
      if (state !== 'relaying') return;
      state = 'failed';
      upstream.destroy();
      client.end();
    },
  });

  const onData = (d: Buffer): void => {
    const ret = parser.execute(d);
    if (typeof ret !== 'number') {
      parseFailed(ret);
      return;
    }
    if (state !== 'switching') return;
    // The tunnel opens: from here on bytes pass through unparsed, both ways.
    state = 'open';
    upstream.removeListener('data', onData);
    closeParser(parser);
    upstream.setTimeout(0);
    client.write(switched, 'latin1');
    if (ret < d.length) client.write(d.subarray(ret));
    if (s.head.length > 0) upstream.write(s.head);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };
  const parseFailed = (_err: ParseError): void => {
    fail(502);
  };

  upstream.setTimeout(5_000, () => fail(state === 'connecting' ? 503 : 504));
  upstream.once('connect', () => {
    if (state !== 'connecting') return;
    state = 'waiting';
    upstream.setTimeout(core.options.upstreamTimeoutMs);
    upstream.write(s.request, 'latin1');
  });
  upstream.on('data', onData);
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (state === 'connecting' && err.code === 'ECONNREFUSED') backend.downUntil = Date.now() + core.options.passiveDownMs;
  });
  upstream.once('close', () => {
    if (state === 'connecting') fail(503);
    else if (state === 'waiting') fail(502);
    else if (state === 'relaying') {
      state = 'failed';
      client.end();
    } // a close-delimited (or cut) body ends here
    else if (state === 'open') client.destroy();
    if (state !== 'open') closeParser(parser);
  });
  client.on('error', () => client.destroy());
  client.setTimeout(0);
  client.once('close', () => {
    upstream.destroy();
    backend.inflight--;
    s.closed();
  });
}

/** A 101 to websocket with the accept value for the client's key; anything else is not a WebSocket server. */
function switchesToWebsocket(raw: string[], key: string): boolean {
  let upgrade = false;
  let accepted = false;
  const expected = websocketAccept(key);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'upgrade') upgrade = raw[i + 1]!.trim().toLowerCase() === 'websocket';
    else if (name === 'sec-websocket-accept') accepted = raw[i + 1]!.trim() === expected;
  }
  return upgrade && accepted;
}

/** The single Upgrade value, lower-cased ('' when absent or repeated). */
function upgradeValue(raw: string[]): string {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 7 && raw[i]!.toLowerCase() === 'upgrade') {
      if (value !== undefined) return '';
      value = raw[i + 1]!.trim().toLowerCase();
    }
  }
  return value ?? '';
}

/** The single Sec-WebSocket-Key (undefined when absent or repeated). */
export function websocketKey(raw: string[]): string | undefined {
  let key: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 17 && raw[i]!.toLowerCase() === 'sec-websocket-key') {
      if (key !== undefined) return undefined;
      key = raw[i + 1]!.trim();
    }
  }
  return key === '' ? undefined : key;
}

export interface Tunnels {
  open(req: FastRequest, client: Socket, head: Buffer): void;
  closeAll(): void;
}

export function tunnels(core: GatewayCore, proto: 'http' | 'https'): Tunnels {
  const open = new Set<Socket>();
  const plain = fastEntry(core, proto);
  const refuse = (req: FastRequest, client: Socket, status: number, id: string): void => {
    client.end(pageResponse(status, req.wantsHtml, false, id, true));
  };

  return {
    open(req, client, head) {
      const id = nextRequestId();
      const name = normaliseHost(req.host);
      // A body on an upgrade request was read (and dropped) by the parser, or is still coming:
      // forwarding its framing header would make the upstream read tunnel bytes as that body.
      if (!name || req.badTarget || req.method === 'CONNECT' || req.hasBody) return refuse(req, client, 400, id);
      if (upgradeValue(req.raw) !== 'websocket') {
        // h2c and any other protocol: a plain request (Upgrade, HTTP2-Settings, Connection are
        // hop-by-hop and dropped by forwardRequestHeaders), then the connection closes.
        open.add(client);
        client.once('close', () => open.delete(client));
        plain(req);
        return;
      }
      const key = websocketKey(req.raw);
      if (req.method !== 'GET' || req.minor !== 1 || key === undefined) return refuse(req, client, 400, id);

      /** The tunnel to one of the (awake) route's replicas, after its plugins' request hooks. */
      const toRoute = (route: CompiledRoute): void => {
        const backend = pick(route, Date.now());
        if (!backend || route.route.sleeping) return refuse(req, client, 503, id);
        const fwd = forwardRequestHeaders(req.raw, req.conn.remote, proto === 'https' ? 'wss' : 'ws', name, id);
        if (fwd.hostCount !== 1) return refuse(req, client, 400, id);
        open.add(client);
        const tunnel = (path: string, headers: string[]): void => {
          core.metrics.record(route.app, 101, 0);
          splice({
            client,
            head,
            key,
            backend,
            core,
            request: upgradeRequestHead(req.method, path, headers),
            page: (status) => pageResponse(status, req.wantsHtml, false, fwd.requestId ?? id, true),
            closed: () => open.delete(client),
          });
        };
        if (route.chain === null) return tunnel(req.url, fwd.headers);
        // The route's plugins guard its WebSockets too (plugins/upgrades.ts).
        const run = route.chain.start(req.method, req.url, name, proto, req.conn.remote, req.conn, fwd.headers);
        upgradeGate(run)
          .then((refusal) => {
            if (client.destroyed) return;
            if (refusal !== null) {
              open.delete(client);
              client.end(refusal);
              return;
            }
            tunnel(run.path, run.headers.raw);
          })
          .catch(() => client.destroy());
      };

      const first = core.index.get(name);
      if (!first) return refuse(req, client, 404, id);
      if (first.route.sleeping) {
        // Held like any request while control wakes the app (waking/hold.ts), then tunnelled to
        // the woken replicas; the client's later bytes wait in its paused socket meanwhile.
        open.add(client);
        client.once('close', () => open.delete(client));
        core.holds
          .hold(first)
          .then((held) => {
            if (client.destroyed) return;
            if (held.refusal) {
              core.metrics.record(first.app, 503, 0);
              client.end(wakeRefusalResponse(held.refusal, req.wantsHtml, false, id, true));
              return;
            }
            toRoute(held.route);
          })
          .catch(() => client.destroy());
        return;
      }
      toRoute(first);
    },
    closeAll() {
      for (const s of open) s.destroy();
    },
  };
}
