// Sending an answer made at the gateway (a plugin's early answer, or the page for a plugin that
// failed) through the response hooks of the plugins before it, in either engine.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastRequest } from '../fast/request.js';
import { responseHead } from '../fast/wire.js';
import { HeaderList } from './header-list.js';
import { ResponseState, type PluginRun, type RawAnswer } from './run.js';
import type { BodyWriter } from './types.js';

const LAST_CHUNK = '0\r\n\r\n';

export const isPromise = <T>(v: unknown): v is Promise<T> => typeof (v as Promise<T> | null)?.then === 'function';

function responded(run: PluginRun, a: RawAnswer, bodyless: boolean): { res: ResponseState; body: Buffer } {
  const res = run.respond(a.status, a.headers, bodyless);
  if (res !== null) return { res, body: a.body };
  const page = run.failurePage(502);
  return { res: new ResponseState(page.status, new HeaderList(page.headers), bodyless), body: page.body };
}

/** Fast engine: writes the answer on the client socket; `done` gets the status sent and whether to close. */
export function sendFastAnswer(
  req: FastRequest,
  run: PluginRun,
  a: RawAnswer,
  close: boolean,
  done: (status: number, close: boolean) => void,
): void {
  const bodyless = req.isHead || a.status === 204 || a.status === 304;
  const { res, body } = responded(run, a, bodyless);
  const r = responseHead(res.status, undefined, res.headers.raw, req.minor, close, bodyless);
  const socket = req.conn.socket;
  let ended = false;
  const client: BodyWriter = {
    write(chunk) {
      if (ended || chunk.length === 0) return;
      if (r.chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      if (r.chunked) socket.write('\r\n', 'latin1');
    },
    end() {
      if (ended) return;
      ended = true;
      if (r.chunked) socket.write(LAST_CHUNK, 'latin1');
      done(res.status, close || r.closeDelimited);
    },
    destroy() {
      if (ended) return;
      ended = true;
      socket.destroy();
      done(res.status, true);
    },
  };
  socket.cork();
  socket.write(r.head, 'latin1');
  const w = res.writer(client, (err) => {
    run.filterFailed(err);
    client.destroy!();
  });
  if (!bodyless && body.length > 0) w.write(body);
  w.end();
  socket.uncork();
}

/** http engine: writes the answer on the ServerResponse; `done` gets the status sent. */
export function sendHttpAnswer(
  req: IncomingMessage,
  out: ServerResponse,
  run: PluginRun,
  a: RawAnswer,
  done: (status: number) => void,
): void {
  const bodyless = req.method === 'HEAD' || a.status === 204 || a.status === 304;
  const { res, body } = responded(run, a, bodyless);
  let ended = false;
  const client: BodyWriter = {
    write(chunk) {
      if (!ended && chunk.length > 0) out.write(chunk);
    },
    end() {
      if (ended) return;
      ended = true;
      out.end();
      done(res.status);
    },
    destroy() {
      if (ended) return;
      ended = true;
      out.destroy();
      done(res.status);
    },
  };
  out.writeHead(res.status, res.headers.raw);
  const w = res.writer(client, (err) => {
    run.filterFailed(err);
    client.destroy!();
  });
  if (!bodyless && body.length > 0) w.write(body);
  w.end();
}
