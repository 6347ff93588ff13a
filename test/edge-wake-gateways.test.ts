// Waking a sleeping app through more than one gateway, with real Docker, Redis, control and two
// gateways on loopback (one per engine) sharing them: a WebSocket to the sleeping app is held,
// gets the app's 101 and echoes through the woken app, in both engines; and requests arriving at
// both gateways at once wake the app once (one container start) and are all answered by it.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../common/log/logger.js';
import type { RunningService } from '../common/service.js';
import { listAppContainers, LABEL_APP } from '../builder/index.js';
import { sleepState } from '../control/edge/state.js';
import { startGateway } from '../gateway/index.js';
import { gatewayConfig, request } from '../gateway/testing/harness.js';
import { startOpsStack, waitFor, type OpsStack } from './ops-fixtures.js';
import { deployFiles } from './support/sleep.js';

const APP = 'wake-ws';
const HOST = `${APP}.paas.test`;

/** Answers HTTP, and WebSockets: each text frame it gets comes back as `echo: <text>`. */
const WS_SERVER_JS = `
const http = require('node:http');
const crypto = require('node:crypto');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('awake ' + req.url + '\\n');
});
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  socket.on('data', (d) => {
    // One small masked text frame per write is all the test sends.
    const len = d[1] & 0x7f, mask = d.subarray(2, 6);
    const text = Buffer.from(d.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4])).toString();
    const out = Buffer.from('echo: ' + text);
    socket.write(Buffer.concat([Buffer.from([0x81, out.length]), out]));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

/** A masked client text frame (RFC 6455 §5.2), payload < 126 bytes. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]);
}

interface WsResult {
  status: string;
  echo: string;
}

/** Opens a WebSocket through the gateway, sends `text` once switched, returns the status line and the echoed text. */
function websocketEcho(port: number, text: string): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let status = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no echo; got ${JSON.stringify(buf.toString('latin1'))}`));
    }, 40_000);
    socket.on('connect', () =>
      socket.write(
        `GET /chat HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (status === '') {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        status = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
        buf = buf.subarray(end + 4);
        if (!status.includes(' 101 ')) {
          clearTimeout(timer);
          socket.destroy();
          resolve({ status, echo: '' });
          return;
        }
        socket.write(textFrame(text));
      }
      if (buf.length >= 2 && buf.length >= 2 + (buf[1]! & 0x7f)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status, echo: buf.subarray(2, 2 + (buf[1]! & 0x7f)).toString() });
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('waking through several gateways', () => {
  let s: OpsStack;
  const gateways: { engine: string; service: RunningService; port: number }[] = [];
  const starts: string[] = [];
  let events: Readable;

  before(async () => {
    s = await startOpsStack();
    for (const engine of ['fast', 'http']) {
      const config = await gatewayConfig(s.redis.url, { DEPLOYFLOW_DOMAIN: 'paas.test' });
      process.env.GATEWAY_ENGINE = engine;
      process.env.GATEWAY_ACCESS_LOG = 'off';
      process.env.GATEWAY_WAKE_TIMEOUT_MS = '30000';
      gateways.push({ engine, service: await startGateway(config, createLogger('gateway', 'silent')), port: config.gatewayHttpPort });
    }
    delete process.env.GATEWAY_ENGINE;
    delete process.env.GATEWAY_ACCESS_LOG;
    delete process.env.GATEWAY_WAKE_TIMEOUT_MS;
    events = (await s.docker.getEvents({ filters: { type: ['container'], event: ['start'], label: [LABEL_APP] } })) as unknown as Readable;
    events.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
        starts.push(e.Actor?.Attributes?.[LABEL_APP] ?? '');
      }
    });

    const created = await s.owner.post('/api/v1/apps', { name: APP, port: 8080, limits: { memoryMb: 64, cpus: 0.5 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await deployFiles(s, APP, {
      Dockerfile: `FROM ${s.base}\nWORKDIR /srv\nCOPY server.js .\nENV PORT=8080\nUSER node\nCMD ["node", "server.js"]\n`,
      'server.js': WS_SERVER_JS,
    });
    const patched = await s.owner.request('PATCH', `/api/v1/apps/${APP}`, { scaleToZero: { idleSeconds: 1 } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  });
  after(async () => {
    events?.destroy();
    for (const g of gateways) await g.service.stop();
    await s?.cleanup([APP]);
  });

  const startsOf = (): number => starts.filter((a) => a === APP).length;
  const asleep = async (): Promise<boolean> =>
    (await s.route(APP))?.sleeping === true && (await listAppContainers(s.docker, APP)).every((c) => !c.running);
  const wakes = async (): Promise<number> => (await sleepState(s.control.service.deps.store, APP)).wakes;

  for (const engine of ['fast', 'http']) {
    it(`a WebSocket to the sleeping app is held, switched and echoed by the woken app (${engine} engine)`, async () => {
      await waitFor(asleep, 'the idle app to sleep', 30_000);
      const before = await wakes();
      const gateway = gateways.find((g) => g.engine === engine)!;
      const ws = await websocketEcho(gateway.port, `hello from ${engine}`);
      assert.match(ws.status, /^HTTP\/1\.1 101 /);
      assert.equal(ws.echo, `echo: hello from ${engine}`);
      assert.equal(await wakes(), before + 1, 'the WebSocket woke the app');
    });
  }

  it('requests to two gateways at once wake the app once and are all answered by it', async () => {
    await waitFor(asleep, 'the idle app to sleep', 30_000);
    const before = startsOf();
    const wakesBefore = await wakes();
    const replies = await Promise.all(
      gateways.flatMap((g) => Array.from({ length: 10 }, (_, i) => request(g.port, HOST, `/${g.engine}/${i}`))),
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      Array.from({ length: 20 }, () => 200),
    );
    for (const r of replies) assert.match(r.body, /^awake \/(fast|http)\/\d+$/m);
    assert.equal(await wakes(), wakesBefore + 1, 'one wake for both gateways');
    await new Promise((r) => setTimeout(r, 500)); // let Docker's event stream catch up
    assert.equal(startsOf() - before, 1, 'exactly one container start');
  });
});
