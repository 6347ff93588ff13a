// WebSocket upgrades of a route with plugins pass its request hooks before the tunnel opens, so
// basic-auth, ip-filter, rate-limit and the others guard WebSockets too; a hook's answer (401,
// 403, 429, …) is sent as a whole response and the connection closed. Response hooks see that
// answer as well; a 101 from the app is not theirs to change.
import { STATUS_CODES } from 'node:http';
import { HeaderList } from './header-list.js';
import { isPromise } from './answers.js';
import { ResponseState, type PluginRun, type RawAnswer } from './run.js';

async function serialise(run: PluginRun, a: RawAnswer): Promise<Buffer> {
  let res = run.respond(a.status, a.headers, false);
  let body = a.body;
  if (res === null) {
    const page = run.failurePage(502);
    res = new ResponseState(page.status, new HeaderList(page.headers), false);
    body = page.body;
  }
  const chunks: Buffer[] = [];
  const state = res;
  const filtered = await new Promise<Buffer>((resolve, reject) => {
    const w = state.writer(
      { write: (c) => chunks.push(c), end: () => resolve(Buffer.concat(chunks)), destroy: () => reject(new Error('filter failed')) },
      reject,
    );
    if (body.length > 0) w.write(body);
    w.end();
  });
  state.headers.set('content-length', String(filtered.length));
  state.headers.set('connection', 'close');
  let head = `HTTP/1.1 ${state.status} ${STATUS_CODES[state.status] ?? ''}\r\n`;
  for (let i = 0; i < state.headers.raw.length; i += 2) head += `${state.headers.raw[i]}: ${state.headers.raw[i + 1]}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), filtered]);
}

/** null: open the tunnel (with run.path and run.headers); bytes: send them and close. */
export async function upgradeGate(run: PluginRun): Promise<Buffer | null> {
  let outcome = run.request();
  if (isPromise<RawAnswer | null>(outcome)) outcome = await outcome;
  return outcome === null ? null : serialise(run, outcome);
}
